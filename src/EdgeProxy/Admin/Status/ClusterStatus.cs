namespace EdgeProxy.Admin.Status;

/// <summary>A cluster and each of its destinations.</summary>
internal sealed record ClusterStatus(string Id, IReadOnlyList<DestinationStatus> Destinations);
