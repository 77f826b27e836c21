namespace EdgeProxy.Admin.Status;

/// <summary>A route as routing sees it; its transforms and header matches are never shown (they can hold credentials).</summary>
internal sealed record RouteStatus(string Id, IReadOnlyList<string> Hosts, string Path, string Cluster, string StreamPolicy, string AuthorizationPolicy, string AllowFrom);
