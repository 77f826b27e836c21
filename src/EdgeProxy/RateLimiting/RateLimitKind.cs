namespace EdgeProxy.RateLimiting;

/// <summary>The ASP.NET Core limiter a policy uses.</summary>
internal enum RateLimitKind
{
    FixedWindow,
    SlidingWindow,
    TokenBucket,
    Concurrency,
}
