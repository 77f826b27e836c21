namespace EdgeProxy.Admin.Status;

/// <summary>A route's requests per second and fraction of 5xx answers per interval (0 for an interval without requests), oldest first.</summary>
internal sealed record RouteTraffic(string Route, IReadOnlyList<double> RequestsPerSecond, IReadOnlyList<double> ErrorRate);
