using System.Globalization;
using System.Threading.RateLimiting;
using EdgeProxy.Configuration;

namespace EdgeProxy.RateLimiting;

/// <summary>Reads one <c>EdgeProxy:RateLimiting:Policies:&lt;name&gt;</c> section into a policy, reporting every bad key with its full name.</summary>
internal sealed class RateLimitPolicyReader(ConfigReport report)
{
    public const int DefaultMaxPartitions = 10_000;
    public const int DefaultIpv6PrefixLength = 64;
    public const int DefaultSegmentsPerWindow = 10;
    private const int MostPartitions = 1_000_000;

    private static readonly string[] SettingNames = typeof(RateLimitPolicyOptions).GetProperties().Select(p => p.Name).ToArray();

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

    /// <summary>The policy, or null when the section has a problem (each one reported).</summary>
    public RateLimitPolicy? Read(IConfigurationSection section, Observability.EdgeProxyMetrics? metrics)
    {
        var failures = report.Failures.Count();
        foreach (var child in section.GetChildren().Where(c => !SettingNames.Contains(c.Key, StringComparer.OrdinalIgnoreCase)))
        {
            report.Fail(child.Path, $"unknown setting; a rate-limit policy has {string.Join(", ", SettingNames)}");
        }

        if (section.Key.Equals("Default", StringComparison.OrdinalIgnoreCase) || section.Key.Equals("Disable", StringComparison.OrdinalIgnoreCase))
        {
            report.Fail(section.Path, $"'{section.Key}' is a value of YARP's RateLimiterPolicy route field (Default: ASP.NET Core's global limiter only; Disable: no limit at all), not a name a policy can have; rename the policy");
        }

        var kind = Enum<RateLimitKind>(section, nameof(RateLimitPolicyOptions.Kind), null);
        var partitionBy = Enum<PartitionSource>(section, nameof(RateLimitPolicyOptions.PartitionBy), PartitionSource.Client) ?? PartitionSource.Client;
        var partitionName = PartitionName(section, partitionBy);
        var queue = Int(section, nameof(RateLimitPolicyOptions.QueueLimit), 0, 0, int.MaxValue) ?? 0;
        var maxPartitions = Int(section, nameof(RateLimitPolicyOptions.MaxPartitions), DefaultMaxPartitions, 1, MostPartitions) ?? DefaultMaxPartitions;
        var prefix = Int(section, nameof(RateLimitPolicyOptions.Ipv6PrefixLength), DefaultIpv6PrefixLength, 1, 128) ?? DefaultIpv6PrefixLength;
        if (kind is not { } k)
        {
            return null;
        }

        foreach (var key in KindSpecific.Except(Required[k]).Except(Optional[k]).Where(key => section[key] is not null))
        {
            report.Fail($"{section.Path}:{key}", $"does not apply to Kind {k}; it takes {string.Join(", ", Required[k].Concat(Optional[k]))}");
        }

        foreach (var key in Required[k].Where(key => section[key] is null))
        {
            report.Fail($"{section.Path}:{key}", $"Kind {k} needs {string.Join(" and ", Required[k])}");
        }

        object options = k switch
        {
            RateLimitKind.FixedWindow => new FixedWindowRateLimiterOptions
            {
                PermitLimit = Int(section, nameof(RateLimitPolicyOptions.PermitLimit), 1, 1, int.MaxValue) ?? 1,
                Window = Duration(section, nameof(RateLimitPolicyOptions.Window), TimeSpan.FromSeconds(1)),
                QueueLimit = queue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = false, // the partitioned limiter's heartbeat refills it
            },
            RateLimitKind.SlidingWindow => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = Int(section, nameof(RateLimitPolicyOptions.PermitLimit), 1, 1, int.MaxValue) ?? 1,
                Window = Duration(section, nameof(RateLimitPolicyOptions.Window), TimeSpan.FromSeconds(1)),
                SegmentsPerWindow = Int(section, nameof(RateLimitPolicyOptions.SegmentsPerWindow), DefaultSegmentsPerWindow, 1, 1000) ?? DefaultSegmentsPerWindow,
                QueueLimit = queue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = false,
            },
            RateLimitKind.TokenBucket => new TokenBucketRateLimiterOptions
            {
                TokenLimit = Int(section, nameof(RateLimitPolicyOptions.TokenLimit), 1, 1, int.MaxValue) ?? 1,
                TokensPerPeriod = Int(section, nameof(RateLimitPolicyOptions.TokensPerPeriod), 1, 1, int.MaxValue) ?? 1,
                ReplenishmentPeriod = Duration(section, nameof(RateLimitPolicyOptions.ReplenishmentPeriod), TimeSpan.FromSeconds(1)),
                QueueLimit = queue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = false,
            },
            _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = Int(section, nameof(RateLimitPolicyOptions.PermitLimit), 1, 1, int.MaxValue) ?? 1,
                QueueLimit = queue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            },
        };

        if (report.Failures.Count() != failures)
        {
            return null;
        }

        if (options is TokenBucketRateLimiterOptions { TokensPerPeriod: var refill, TokenLimit: var limit } bucket && refill > limit)
        {
            report.Warn($"{section.Path}:{nameof(RateLimitPolicyOptions.TokensPerPeriod)}",
                $"{refill} is more than TokenLimit {limit}: each refill is cut to {limit}, so the rate is {limit} per {bucket.ReplenishmentPeriod}, not {refill}; add smaller refills more often");
        }

        var by = partitionBy switch
        {
            PartitionSource.Header => $"header {partitionName} (else client address)",
            PartitionSource.Claim => $"claim {partitionName} (else client address)",
            PartitionSource.Route => "route",
            _ => prefix < 128 ? $"client address (IPv6 per /{prefix})" : "client address",
        };
        var description = $"{Describe(options)} per {by}, queue {queue}, at most {maxPartitions} partitions";
        return new RateLimitPolicy(section.Key, k, partitionBy, partitionName, queue, maxPartitions, prefix, options, description, metrics);
    }

    private static string Describe(object options) => options switch
    {
        FixedWindowRateLimiterOptions o => $"FixedWindow: {o.PermitLimit} per {o.Window}",
        SlidingWindowRateLimiterOptions o => $"SlidingWindow: {o.PermitLimit} per {o.Window} in {o.SegmentsPerWindow} segments",
        TokenBucketRateLimiterOptions o => $"TokenBucket: burst {o.TokenLimit}, {o.TokensPerPeriod} per {o.ReplenishmentPeriod}",
        ConcurrencyLimiterOptions o => $"Concurrency: {o.PermitLimit} at once",
        _ => options.ToString()!,
    };

    private string? PartitionName(IConfigurationSection section, PartitionSource by)
    {
        foreach (var (source, key) in new[] { (PartitionSource.Header, nameof(RateLimitPolicyOptions.Header)), (PartitionSource.Claim, nameof(RateLimitPolicyOptions.Claim)) })
        {
            var value = section[key];
            if (by == source && string.IsNullOrWhiteSpace(value))
            {
                report.Fail($"{section.Path}:{key}", $"PartitionBy {source} needs {key}: the {(source == PartitionSource.Header ? "request header" : "claim type")} whose value each limit is counted per");
            }
            else if (by != source && value is not null)
            {
                report.Fail($"{section.Path}:{key}", $"only used with PartitionBy {source}; this policy partitions by {by}");
            }
            else if (by == PartitionSource.Header && source == PartitionSource.Header && value!.Any(c => c <= ' ' || c >= 127 || "\"(),/:;<=>?@[\\]{}".Contains(c)))
            {
                report.Fail($"{section.Path}:{key}", $"'{value}' is not a header name");
            }
        }

        return by switch
        {
            PartitionSource.Header => section[nameof(RateLimitPolicyOptions.Header)]?.Trim(),
            PartitionSource.Claim => section[nameof(RateLimitPolicyOptions.Claim)]?.Trim(),
            _ => null,
        };
    }

    private T? Enum<T>(IConfigurationSection section, string key, T? fallback)
        where T : struct, Enum
    {
        var raw = section[key];
        var names = string.Join(", ", System.Enum.GetNames<T>());
        if (string.IsNullOrWhiteSpace(raw))
        {
            if (fallback is null)
            {
                report.Fail($"{section.Path}:{key}", $"missing; use {names}");
            }

            return fallback;
        }

        var match = System.Enum.GetNames<T>().FirstOrDefault(n => n.Equals(raw.Trim(), StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            report.Fail($"{section.Path}:{key}", $"'{raw}' is not one of {names}");
            return null;
        }

        return System.Enum.Parse<T>(match);
    }

    private int? Int(IConfigurationSection section, string key, int fallback, int min, int max)
    {
        var raw = section[key];
        if (raw is null)
        {
            return fallback;
        }

        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            report.Fail($"{section.Path}:{key}", $"'{raw}' is not a whole number from {min} to {max}");
            return null;
        }

        return value;
    }

    private TimeSpan Duration(IConfigurationSection section, string key, TimeSpan fallback)
    {
        var raw = section[key];
        if (raw is null)
        {
            return fallback;
        }

        // ASP.NET Core refills partitioned limiters on a 100-ms heartbeat: a shorter window would silently be 100 ms.
        if (!Configuration.Duration.TryParse(raw, out var value) || value < TimeSpan.FromMilliseconds(100) || value > TimeSpan.FromDays(1))
        {
            report.Fail($"{section.Path}:{key}", $"'{raw}' is not a duration from 100ms (ASP.NET Core refills limiters every 100 ms) to 1d; use e.g. \"1s\", \"1m\", \"00:00:10\"");
            return fallback;
        }

        return value;
    }
}
