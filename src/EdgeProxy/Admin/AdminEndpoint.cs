namespace EdgeProxy.Admin;

/// <summary>A path served only on the admin listener. Features add theirs (e.g. <c>/metrics</c>) through DI.</summary>
internal sealed record AdminEndpoint(string Path, RequestDelegate Handler);
