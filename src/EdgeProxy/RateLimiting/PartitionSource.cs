namespace EdgeProxy.RateLimiting;

/// <summary>What a policy's limits are counted per.</summary>
internal enum PartitionSource
{
    Client,
    Header,
    Claim,
    Route,
}
