using System.Threading.RateLimiting;

namespace EdgeProxy.RateLimiting;

/// <summary>
/// One resolved policy: the ASP.NET Core limiter it builds per partition, what it partitions by, and the table of its
/// live partitions. Immutable; a reload that leaves a policy's settings as they were keeps the same instance, so its
/// clients keep their counts.
/// </summary>
internal sealed class RateLimitPolicy
{
    private readonly Func<RateLimitKey, RateLimiter> _factory;

    public RateLimitPolicy(string name, RateLimitKind kind, PartitionSource partitionBy, string? partitionName, int queueLimit, int maxPartitions, int ipv6PrefixLength, object limiterOptions, string description, Observability.EdgeProxyMetrics? metrics)
    {
        Name = name;
        Kind = kind;
        PartitionBy = partitionBy;
        PartitionName = partitionName;
        QueueLimit = queueLimit;
        Ipv6PrefixLength = ipv6PrefixLength;
        LimiterOptions = limiterOptions;
        Description = description;
        Table = new PartitionTable(name, maxPartitions);
        FallbackRetryAfter = limiterOptions is SlidingWindowRateLimiterOptions sliding ? sliding.Window : TimeSpan.Zero;
        _factory = key =>
        {
            var limiter = new PartitionLimiter(Create(), key.Table, key.Value, metrics);
            key.Table.Created(key.Value, limiter);
            return limiter;
        };
    }

    public string Name { get; }

    public RateLimitKind Kind { get; }

    public PartitionSource PartitionBy { get; }

    /// <summary>The header name or claim type for Header and Claim partitions.</summary>
    public string? PartitionName { get; }

    public int QueueLimit { get; }

    public int Ipv6PrefixLength { get; }

    /// <summary>The framework's options object for <see cref="Kind"/> (shared by every partition's limiter).</summary>
    public object LimiterOptions { get; }

    /// <summary>The settings as <c>check</c> prints them; equal descriptions mean equal policies (a reload keeps the instance).</summary>
    public string Description { get; }

    public PartitionTable Table { get; }

    /// <summary>
    /// The Retry-After of a refusal whose lease names none. The framework's sliding window gives none, and a retry is
    /// only sure to be admitted once the whole window has slid past the permits in use; a concurrency limit knows no
    /// time (zero: the 429 then suggests 1 s).
    /// </summary>
    public TimeSpan FallbackRetryAfter { get; }

    /// <summary>The partition a request is counted in, and how to build its limiter when it is new.</summary>
    public RateLimitPartition<RateLimitKey> Partition(HttpContext context) =>
        new(new RateLimitKey(Table, Table.Admit(PartitionKeys.Of(context, this))), _factory);

    private RateLimiter Create() => LimiterOptions switch
    {
        FixedWindowRateLimiterOptions o => new FixedWindowRateLimiter(o),
        SlidingWindowRateLimiterOptions o => new SlidingWindowRateLimiter(o),
        TokenBucketRateLimiterOptions o => new TokenBucketRateLimiter(o),
        ConcurrencyLimiterOptions o => new ConcurrencyLimiter(o),
        _ => throw new InvalidOperationException($"unknown limiter options {LimiterOptions.GetType()}"),
    };
}
