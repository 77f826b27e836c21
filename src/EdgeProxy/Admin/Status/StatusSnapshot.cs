namespace EdgeProxy.Admin.Status;

/// <summary>
/// Everything <c>/status.json</c> answers and the page at <c>/</c> shows, read from state the proxy keeps anyway.
/// Each value is what an operator may see: no key, password, token, header value or query string is ever put here.
/// </summary>
internal sealed record StatusSnapshot(
    DateTimeOffset GeneratedAt,
    string Readiness,
    IReadOnlyList<ListenerStatus> Listeners,
    IReadOnlyList<CertificateStatus> Certificates,
    IReadOnlyList<RouteStatus> Routes,
    IReadOnlyList<ClusterStatus> Clusters,
    IReadOnlyList<AcmeHostStatus> Acme,
    TrafficStatus Traffic,
    IReadOnlyList<UpstreamFailureEntry> UpstreamFailures,
    ReloadStatus? LastReload);
