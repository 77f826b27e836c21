namespace EdgeProxy.RateLimiting;

/// <summary>Set on a request a rate-limit policy refused, for the access log.</summary>
internal sealed class RateLimitRefusal(string policy)
{
    public string Policy { get; } = policy;
}
