using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using EdgeProxy.Configuration;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.RateLimiting;

/// <summary>
/// The rate-limit policies in force, rebuilt from <see cref="RateLimitingOptions"/> when the file reloads (reloads reach
/// here only after the whole file passed validation; a policy whose settings did not change keeps its partitions). ASP.NET Core fixes its policy names
/// and its global limiter at start; <see cref="CheckReload"/> refuses a reload that would need another name.
/// </summary>
internal sealed class RateLimitState : IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile RateLimitSettings _current;

    public RateLimitState(IOptionsMonitor<RateLimitingOptions> options, Observability.EdgeProxyMetrics metrics)
    {
        _current = RateLimitingOptionsValidator.Resolve(options.CurrentValue, new ConfigReport(), metrics);
        StartNames = new HashSet<string>(_current.Policies.Keys, StringComparer.OrdinalIgnoreCase);
        if (_current.Default is not null)
        {
            // Reads the default from the snapshot in force, so a reload may change or remove it.
            GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, RateLimitKey>(context => _current.Default?.Partition(context) ?? RateLimitPartition.GetNoLimiter(RateLimitKey.Unlimited));
        }

        _subscription = options.OnChange(o => _current = RateLimitingOptionsValidator.Resolve(o, new ConfigReport(), metrics, _current));
        metrics.ObserveRateLimitPartitions(() => _current.Policies.Values.Select(p => new Measurement<long>(p.Table.Count, new KeyValuePair<string, object?>("policy", p.Name))));
    }

    public RateLimitSettings Current => _current;

    /// <summary>The names registered with ASP.NET Core at start.</summary>
    public IReadOnlySet<string> StartNames { get; }

    /// <summary>ASP.NET Core's global limiter, for the default policy; null when none was configured at start.</summary>
    public PartitionedRateLimiter<HttpContext>? GlobalLimiter { get; }

    /// <summary>Whether any limit exists at all: without one, the rate-limiting middleware is left out of the pipeline.</summary>
    public bool Enabled => StartNames.Count > 0;

    /// <summary>
    /// FAILs, in a reload candidate (its routes as YARP read them, its bound options), what only a restart can apply: a
    /// route naming a policy that did not exist at start, or a default policy where there was none.
    /// </summary>
    public void CheckReload(IEnumerable<RouteConfig> routes, RateLimitingOptions candidate, ConfigReport report)
    {
        foreach (var route in routes)
        {
            var name = route.RateLimiterPolicy?.Trim();
            if (!string.IsNullOrEmpty(name) && !name.Equals("Disable", StringComparison.OrdinalIgnoreCase) && !name.Equals("Default", StringComparison.OrdinalIgnoreCase) && !StartNames.Contains(name))
            {
                report.Fail($"{Proxy.ReverseProxyConfigValidator.SectionName}:Routes:{route.RouteId}:{nameof(RouteConfig.RateLimiterPolicy)}", $"rate-limit policy '{name}' did not exist when EdgeProxy started, and ASP.NET Core fixes its policy names at start: restart EdgeProxy to use it (the running proxy keeps its last good configuration)");
            }
        }

        if (GlobalLimiter is null && !string.IsNullOrEmpty(candidate.DefaultPolicy))
        {
            report.Fail(RateLimitingOptionsValidator.DefaultPolicyKey, "a default policy was added; ASP.NET Core installs its global limiter at start only: restart EdgeProxy to apply it (the running proxy keeps its last good configuration)");
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        GlobalLimiter?.Dispose();
    }
}
