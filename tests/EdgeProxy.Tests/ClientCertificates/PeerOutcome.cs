namespace EdgeProxy.Tests.ClientCertificates;

/// <summary>What a peer got: an HTTP status and body, or no response at all (<see cref="Status"/> null) and why.</summary>
public sealed record PeerOutcome(int? Status, string Body, string Transcript);
