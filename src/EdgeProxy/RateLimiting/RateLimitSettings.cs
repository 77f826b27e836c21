namespace EdgeProxy.RateLimiting;

/// <summary>The rate-limit policies in force, one immutable snapshot per configuration generation.</summary>
internal sealed class RateLimitSettings(IReadOnlyDictionary<string, RateLimitPolicy> policies, RateLimitPolicy? defaultPolicy)
{
    public static readonly RateLimitSettings None = new(new Dictionary<string, RateLimitPolicy>(), null);

    public IReadOnlyDictionary<string, RateLimitPolicy> Policies { get; } = policies;

    /// <summary>The policy every route gets besides its own; null for none.</summary>
    public RateLimitPolicy? Default { get; } = defaultPolicy;
}
