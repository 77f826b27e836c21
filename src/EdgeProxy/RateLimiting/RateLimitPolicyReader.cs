using System.Threading.RateLimiting;
using EdgeProxy.Configuration;

namespace EdgeProxy.RateLimiting;

/// <summary>
/// Reads one bound <c>EdgeProxy:RateLimiting:Policies:&lt;name&gt;</c> entry into a policy, reporting every bad value with
/// its full key. Unknown keys are the model's FAIL, values that are not numbers <see cref="ValueCheck"/>'s.
/// </summary>
internal sealed class RateLimitPolicyReader(ConfigReport report)
{
    public const int DefaultMaxPartitions = 10_000;
    public const int DefaultIpv6PrefixLength = 64;
    public const int DefaultSegmentsPerWindow = 10;
    private const int MostPartitions = 1_000_000;

    private static readonly Dictionary<RateLimitKind, string[]> Required = new()
    {
        [RateLimitKind.FixedWindow] = [nameof(RateLimitPolicyOptions.PermitLimit), nameof(RateLimitPolicyOptions.Window)],
        [RateLimitKind.SlidingWindow] = [nameof(RateLimitPolicyOptions.PermitLimit), nameof(RateLimitPolicyOptions.Window)],
        [RateLimitKind.TokenBucket] = [nameof(RateLimitPolicyOptions.TokenLimit), nameof(RateLimitPolicyOptions.TokensPerPeriod)],
        [RateLimitKind.Concurrency] = [nameof(RateLimitPolicyOptions.PermitLimit)],
    };

    private static readonly Dictionary<RateLimitKind, string[]> Optional = new()
    {
        [RateLimitKind.FixedWindow] = [],
        [RateLimitKind.SlidingWindow] = [nameof(RateLimitPolicyOptions.SegmentsPerWindow)],
        [RateLimitKind.TokenBucket] = [nameof(RateLimitPolicyOptions.ReplenishmentPeriod)],
        [RateLimitKind.Concurrency] = [],
    };

    private static readonly string[] KindSpecific = Required.Values.Concat(Optional.Values).SelectMany(k => k).Distinct().ToArray();

    /// <summary>The policy, or null when the entry has a problem (each one reported).</summary>
    public RateLimitPolicy? Read(string name, RateLimitPolicyOptions options, Observability.EdgeProxyMetrics? metrics)
    {
        var path = $"{RateLimitingOptionsValidator.PoliciesKey}:{name}";
        var failures = report.Failures.Count();
        if (name.Equals("Default", StringComparison.OrdinalIgnoreCase) || name.Equals("Disable", StringComparison.OrdinalIgnoreCase))
        {
            report.Fail(path, $"'{name}' is a value of YARP's RateLimiterPolicy route field (Default: ASP.NET Core's global limiter only; Disable: no limit at all), not a name a policy can have; rename the policy");
        }

        var kind = Enum<RateLimitKind>(options.Kind, $"{path}:{nameof(options.Kind)}", null);
        var partitionBy = Enum<PartitionSource>(options.PartitionBy, $"{path}:{nameof(options.PartitionBy)}", PartitionSource.Client) ?? PartitionSource.Client;
        var partitionName = PartitionName(path, options, partitionBy);
        var queue = Int(options.QueueLimit, $"{path}:{nameof(options.QueueLimit)}", 0, 0, int.MaxValue) ?? 0;
        var maxPartitions = Int(options.MaxPartitions, $"{path}:{nameof(options.MaxPartitions)}", DefaultMaxPartitions, 1, MostPartitions) ?? DefaultMaxPartitions;
        var prefix = Int(options.Ipv6PrefixLength, $"{path}:{nameof(options.Ipv6PrefixLength)}", DefaultIpv6PrefixLength, 1, 128) ?? DefaultIpv6PrefixLength;
        if (kind is not { } k)
        {
            return null;
        }

        var set = Set(options);
        foreach (var key in KindSpecific.Except(Required[k]).Except(Optional[k]).Where(set.Contains))
        {
            report.Fail($"{path}:{key}", $"does not apply to Kind {k}; it takes {string.Join(", ", Required[k].Concat(Optional[k]))}");
        }

        foreach (var key in Required[k].Where(key => !set.Contains(key)))
        {
            report.Fail($"{path}:{key}", $"Kind {k} needs {string.Join(" and ", Required[k])}");
        }

        object limiter = k switch
        {
            RateLimitKind.FixedWindow => new FixedWindowRateLimiterOptions
            {
                PermitLimit = Int(options.PermitLimit, $"{path}:{nameof(options.PermitLimit)}", 1, 1, int.MaxValue) ?? 1,
                Window = Duration(options.Window, $"{path}:{nameof(options.Window)}", TimeSpan.FromSeconds(1)),
                QueueLimit = queue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = false, // the partitioned limiter's heartbeat refills it
            },
            RateLimitKind.SlidingWindow => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = Int(options.PermitLimit, $"{path}:{nameof(options.PermitLimit)}", 1, 1, int.MaxValue) ?? 1,
                Window = Duration(options.Window, $"{path}:{nameof(options.Window)}", TimeSpan.FromSeconds(1)),
                SegmentsPerWindow = Int(options.SegmentsPerWindow, $"{path}:{nameof(options.SegmentsPerWindow)}", DefaultSegmentsPerWindow, 1, 1000) ?? DefaultSegmentsPerWindow,
                QueueLimit = queue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = false,
            },
            RateLimitKind.TokenBucket => new TokenBucketRateLimiterOptions
            {
                TokenLimit = Int(options.TokenLimit, $"{path}:{nameof(options.TokenLimit)}", 1, 1, int.MaxValue) ?? 1,
                TokensPerPeriod = Int(options.TokensPerPeriod, $"{path}:{nameof(options.TokensPerPeriod)}", 1, 1, int.MaxValue) ?? 1,
                ReplenishmentPeriod = Duration(options.ReplenishmentPeriod, $"{path}:{nameof(options.ReplenishmentPeriod)}", TimeSpan.FromSeconds(1)),
                QueueLimit = queue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = false,
            },
            _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = Int(options.PermitLimit, $"{path}:{nameof(options.PermitLimit)}", 1, 1, int.MaxValue) ?? 1,
                QueueLimit = queue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            },
        };

        if (report.Failures.Count() != failures)
        {
            return null;
        }

        if (limiter is TokenBucketRateLimiterOptions { TokensPerPeriod: var refill, TokenLimit: var limit } bucket && refill > limit)
        {
            report.Warn($"{path}:{nameof(RateLimitPolicyOptions.TokensPerPeriod)}",
                $"{refill} is more than TokenLimit {limit}: each refill is cut to {limit}, so the rate is {limit} per {bucket.ReplenishmentPeriod}, not {refill}; add smaller refills more often");
        }

        var by = partitionBy switch
        {
            PartitionSource.Header => $"header {partitionName} (else client address)",
            PartitionSource.Claim => $"claim {partitionName} (else client address)",
            PartitionSource.Route => "route",
            _ => prefix < 128 ? $"client address (IPv6 per /{prefix})" : "client address",
        };
        var description = $"{Describe(limiter)} per {by}, queue {queue}, at most {maxPartitions} partitions";
        return new RateLimitPolicy(name, k, partitionBy, partitionName, queue, maxPartitions, prefix, limiter, description, metrics);
    }

    /// <summary>The kind-specific keys the entry sets.</summary>
    private static HashSet<string> Set(RateLimitPolicyOptions o)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        void Add(string key, object? value)
        {
            if (value is not null)
            {
                set.Add(key);
            }
        }

        Add(nameof(o.PermitLimit), o.PermitLimit);
        Add(nameof(o.Window), o.Window);
        Add(nameof(o.SegmentsPerWindow), o.SegmentsPerWindow);
        Add(nameof(o.TokenLimit), o.TokenLimit);
        Add(nameof(o.TokensPerPeriod), o.TokensPerPeriod);
        Add(nameof(o.ReplenishmentPeriod), o.ReplenishmentPeriod);
        return set;
    }

    private static string Describe(object options) => options switch
    {
        FixedWindowRateLimiterOptions o => $"FixedWindow: {o.PermitLimit} per {o.Window}",
        SlidingWindowRateLimiterOptions o => $"SlidingWindow: {o.PermitLimit} per {o.Window} in {o.SegmentsPerWindow} segments",
        TokenBucketRateLimiterOptions o => $"TokenBucket: burst {o.TokenLimit}, {o.TokensPerPeriod} per {o.ReplenishmentPeriod}",
        ConcurrencyLimiterOptions o => $"Concurrency: {o.PermitLimit} at once",
        _ => options.ToString()!,
    };

    private string? PartitionName(string path, RateLimitPolicyOptions options, PartitionSource by)
    {
        foreach (var (source, key, value) in new[] { (PartitionSource.Header, nameof(options.Header), options.Header), (PartitionSource.Claim, nameof(options.Claim), options.Claim) })
        {
            if (by == source && string.IsNullOrWhiteSpace(value))
            {
                report.Fail($"{path}:{key}", $"PartitionBy {source} needs {key}: the {(source == PartitionSource.Header ? "request header" : "claim type")} whose value each limit is counted per");
            }
            else if (by != source && value is not null)
            {
                report.Fail($"{path}:{key}", $"only used with PartitionBy {source}; this policy partitions by {by}");
            }
            else if (by == PartitionSource.Header && source == PartitionSource.Header && value!.Any(c => c <= ' ' || c >= 127 || "\"(),/:;<=>?@[\\]{}".Contains(c)))
            {
                report.Fail($"{path}:{key}", $"'{value}' is not a header name");
            }
        }

        return by switch
        {
            PartitionSource.Header => options.Header?.Trim(),
            PartitionSource.Claim => options.Claim?.Trim(),
            _ => null,
        };
    }

    private T? Enum<T>(string? raw, string key, T? fallback)
        where T : struct, Enum
    {
        var names = string.Join(", ", System.Enum.GetNames<T>());
        if (string.IsNullOrWhiteSpace(raw))
        {
            if (fallback is null)
            {
                report.Fail(key, $"missing; use {names}");
            }

            return fallback;
        }

        var match = System.Enum.GetNames<T>().FirstOrDefault(n => n.Equals(raw.Trim(), StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            report.Fail(key, $"'{raw}' is not one of {names}");
            return null;
        }

        return System.Enum.Parse<T>(match);
    }

    private int? Int(int? value, string key, int fallback, int min, int max)
    {
        if (value is null)
        {
            return fallback;
        }

        if (value < min || value > max)
        {
            report.Fail(key, $"'{value}' is not a whole number from {min} to {max}");
            return null;
        }

        return value;
    }

    private TimeSpan Duration(string? raw, string key, TimeSpan fallback)
    {
        if (raw is null)
        {
            return fallback;
        }

        // ASP.NET Core refills partitioned limiters on a 100-ms heartbeat: a shorter window would silently be 100 ms.
        if (!Configuration.Duration.TryParse(raw, out var value) || value < TimeSpan.FromMilliseconds(100) || value > TimeSpan.FromDays(1))
        {
            report.Fail(key, $"'{raw}' is not a duration from 100ms (ASP.NET Core refills limiters every 100 ms) to 1d; use e.g. \"1s\", \"1m\", \"00:00:10\"");
            return fallback;
        }

        return value;
    }
}
