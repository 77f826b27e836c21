using EdgeProxy.Configuration;
using System.Threading.RateLimiting;

namespace EdgeProxy.RateLimiting;

/// <summary>
/// <c>EdgeProxy:RateLimiting</c>: every policy resolved from the bound <see cref="RateLimitingOptions"/>, every problem
/// with its full key. The same reading gives the running proxy its <see cref="RateLimitSettings"/>
/// (<see cref="RateLimitState"/>); which routes each policy limits is <see cref="RateLimitRouteCheck"/>'s. Routes naming a
/// policy that does not exist are YARP's own finding (its route validator, fed the configured names by
/// <see cref="AddRouteValidation"/>), as they would be at run time.
/// </summary>
internal sealed class RateLimitingOptionsValidator : OptionsValidator<RateLimitingOptions>
{
    public const string PoliciesKey = RateLimitingOptions.SectionName + ":" + nameof(RateLimitingOptions.Policies);
    public const string DefaultPolicyKey = RateLimitingOptions.SectionName + ":" + nameof(RateLimitingOptions.DefaultPolicy);

    public override void Check(RateLimitingOptions options, ConfigReport report) => Resolve(options, report);

    /// <param name="options">The bound section.</param>
    /// <param name="report">Where findings go.</param>
    /// <param name="metrics">Counts the decisions of the policies built (null when only checking).</param>
    /// <param name="previous">The snapshot in force: a policy whose settings did not change is kept, with its clients' counts.</param>
    public static RateLimitSettings Resolve(RateLimitingOptions options, ConfigReport report, Observability.EdgeProxyMetrics? metrics = null, RateLimitSettings? previous = null)
    {
        var reader = new RateLimitPolicyReader(report);
        var policies = new Dictionary<string, RateLimitPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, entry) in options.Policies ?? [])
        {
            if (reader.Read(name, entry ?? new RateLimitPolicyOptions(), metrics) is { } policy)
            {
                policies[policy.Name] = previous?.Policies.GetValueOrDefault(policy.Name) is { } kept && kept.Description == policy.Description ? kept : policy;
            }
        }

        RateLimitPolicy? defaultPolicy = null;
        if (options.DefaultPolicy is { Length: > 0 } defaultName && !policies.TryGetValue(defaultName.Trim(), out defaultPolicy)
            && !(options.Policies ?? []).ContainsKey(defaultName.Trim()))
        {
            report.Fail(DefaultPolicyKey, $"no rate-limit policy is named '{defaultName}'; define it under {PoliciesKey}:{defaultName.Trim()}");
        }

        return new RateLimitSettings(policies, defaultPolicy);
    }

    /// <summary>For YARP's route validator in <c>check</c>: the configured names exist, as they will at run time.</summary>
    public static Action<IServiceCollection> AddRouteValidation(RateLimitingOptions options) => services => services.AddRateLimiter(limiter =>
    {
        foreach (var name in (options.Policies ?? []).Keys)
        {
            limiter.AddPolicy(name, _ => RateLimitPartition.GetNoLimiter(string.Empty));
        }
    });
}
