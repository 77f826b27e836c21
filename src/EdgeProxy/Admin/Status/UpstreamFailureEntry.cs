namespace EdgeProxy.Admin.Status;

/// <summary>One failed request's last try: when, its route and cluster, the destination (no user info or query) and the kind of failure.</summary>
internal sealed record UpstreamFailureEntry(DateTimeOffset At, string Route, string Cluster, string Destination, string Failure);
