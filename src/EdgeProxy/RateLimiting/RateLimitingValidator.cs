using EdgeProxy.Configuration;
using System.Threading.RateLimiting;

namespace EdgeProxy.RateLimiting;

/// <summary>
/// Validates <c>EdgeProxy:RateLimiting</c> in one pass, every problem with its full key, and says which routes each
/// policy limits. Routes naming a policy that does not exist are YARP's own finding (its route validator, fed the
/// configured names by <see cref="AddRouteValidation"/>), as they would be at run time.
/// </summary>
internal static class RateLimitingValidator
{
    public const string PoliciesKey = RateLimitingOptions.SectionName + ":Policies";
    public const string DefaultPolicyKey = RateLimitingOptions.SectionName + ":" + nameof(RateLimitingOptions.DefaultPolicy);
    private const string RouteField = "RateLimiterPolicy";

    /// <param name="config">The whole configuration.</param>
    /// <param name="report">Where findings go.</param>
    /// <param name="metrics">Counts the decisions of the policies built (null when only checking).</param>
    /// <param name="previous">The snapshot in force: a policy whose settings did not change is kept, with its clients' counts.</param>
    public static RateLimitSettings Validate(IConfiguration config, ConfigReport report, Observability.EdgeProxyMetrics? metrics = null, RateLimitSettings? previous = null)
    {
        var section = config.GetSection(RateLimitingOptions.SectionName);
        foreach (var child in section.GetChildren().Where(c => c.Key is not (nameof(RateLimitingOptions.Policies) or nameof(RateLimitingOptions.DefaultPolicy))))
        {
            report.Fail(child.Path, $"unknown setting; {RateLimitingOptions.SectionName} has {nameof(RateLimitingOptions.DefaultPolicy)} and {nameof(RateLimitingOptions.Policies)}");
        }

        var reader = new RateLimitPolicyReader(report);
        var policies = new Dictionary<string, RateLimitPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var policySection in config.GetSection(PoliciesKey).GetChildren())
        {
            if (reader.Read(policySection, metrics) is { } policy)
            {
                policies[policy.Name] = previous?.Policies.GetValueOrDefault(policy.Name) is { } kept && kept.Description == policy.Description ? kept : policy;
            }
        }

        RateLimitPolicy? defaultPolicy = null;
        if (section[nameof(RateLimitingOptions.DefaultPolicy)] is { Length: > 0 } defaultName && !policies.TryGetValue(defaultName.Trim(), out defaultPolicy))
        {
            report.Fail(DefaultPolicyKey, $"no rate-limit policy is named '{defaultName}'; define it under {PoliciesKey}:{defaultName.Trim()}");
        }

        var usage = Routes(config, defaultPolicy, policies, report);
        foreach (var policy in policies.Values.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase))
        {
            var routes = usage.GetValueOrDefault(policy.Name) ?? [];
            var note = ReferenceEquals(policy, defaultPolicy) ? "; default: every route not set to Disable" : routes.Count > 0 ? $"; routes: {string.Join(", ", routes)}" : "; no route names it";
            report.Ok($"{PoliciesKey}:{policy.Name}", policy.Description + note);
        }

        return new RateLimitSettings(policies, defaultPolicy);
    }

    /// <summary>For YARP's route validator in <c>check</c>: the configured names exist, as they will at run time.</summary>
    public static Action<IServiceCollection> AddRouteValidation(IConfiguration config) => services => services.AddRateLimiter(options =>
    {
        foreach (var policy in config.GetSection(PoliciesKey).GetChildren())
        {
            options.AddPolicy(policy.Key, _ => RateLimitPartition.GetNoLimiter(string.Empty));
        }
    });

    /// <summary>Which routes name each policy; WARNs what would not do what the operator expects.</summary>
    private static Dictionary<string, List<string>> Routes(IConfiguration config, RateLimitPolicy? defaultPolicy, Dictionary<string, RateLimitPolicy> policies, ConfigReport report)
    {
        var usage = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var fallbackAuthorization = !string.IsNullOrEmpty(config["EdgeProxy:Authorization:DefaultPolicy"]);
        foreach (var route in config.GetSection("ReverseProxy:Routes").GetChildren())
        {
            var name = route[RouteField]?.Trim();
            var applies = new List<RateLimitPolicy>();
            if (!string.Equals(name, "Disable", StringComparison.OrdinalIgnoreCase))
            {
                if (defaultPolicy is not null)
                {
                    applies.Add(defaultPolicy);
                }

                if (!string.IsNullOrEmpty(name) && policies.TryGetValue(name, out var named))
                {
                    (usage.TryGetValue(named.Name, out var list) ? list : usage[named.Name] = []).Add(route.Key);
                    if (ReferenceEquals(named, defaultPolicy))
                    {
                        report.Warn($"{route.Path}:{RouteField}", $"'{named.Name}' is also {DefaultPolicyKey}: it applies twice to route '{route.Key}' (each request counts two permits); remove one");
                    }
                    else
                    {
                        applies.Add(named);
                    }
                }
            }

            var authorization = route["AuthorizationPolicy"];
            var authenticated = string.IsNullOrEmpty(authorization) ? fallbackAuthorization : !authorization.Equals("Anonymous", StringComparison.OrdinalIgnoreCase);
            foreach (var claimPolicy in applies.Where(p => p.PartitionBy == PartitionSource.Claim && !authenticated))
            {
                report.Warn($"{route.Path}:{RouteField}", $"policy '{claimPolicy.Name}' counts per claim {claimPolicy.PartitionName}, but route '{route.Key}' validates no token (no AuthorizationPolicy): its requests are counted per client address");
            }
        }

        return usage;
    }
}
