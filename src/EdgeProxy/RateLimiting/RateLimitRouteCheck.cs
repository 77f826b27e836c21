using EdgeProxy.Configuration;
using EdgeProxy.Proxy;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.RateLimiting;

/// <summary>
/// Each route as YARP read it (its <c>RateLimiterPolicy</c> and <c>AuthorizationPolicy</c> fields) against the
/// rate-limit policies: WARNs what would not do what the operator expects, then each policy's line for <c>check</c>, its
/// limits and the routes it limits.
/// </summary>
internal static class RateLimitRouteCheck
{
    private const string RouteField = nameof(RouteConfig.RateLimiterPolicy);

    /// <param name="options">The bound <c>EdgeProxy:RateLimiting</c>.</param>
    /// <param name="authorizationByDefault">Whether <c>EdgeProxy:Authorization:DefaultPolicy</c> gives routes without a policy of their own a token check.</param>
    /// <param name="routes">The routes as YARP read them.</param>
    /// <param name="report">Where findings go.</param>
    public static void Check(RateLimitingOptions options, bool authorizationByDefault, IEnumerable<RouteConfig> routes, ConfigReport report)
    {
        var settings = RateLimitingOptionsValidator.Resolve(options, new ConfigReport()); // its problems are the validator's
        var defaultPolicy = settings.Default;
        var usage = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var route in routes)
        {
            var key = $"{ReverseProxyConfigValidator.SectionName}:Routes:{route.RouteId}:{RouteField}";
            var name = route.RateLimiterPolicy?.Trim();
            var applies = new List<RateLimitPolicy>();
            if (!string.Equals(name, "Disable", StringComparison.OrdinalIgnoreCase))
            {
                if (defaultPolicy is not null)
                {
                    applies.Add(defaultPolicy);
                }

                if (!string.IsNullOrEmpty(name) && settings.Policies.TryGetValue(name, out var named))
                {
                    (usage.TryGetValue(named.Name, out var list) ? list : usage[named.Name] = []).Add(route.RouteId);
                    if (ReferenceEquals(named, defaultPolicy))
                    {
                        report.Warn(key, $"'{named.Name}' is also {RateLimitingOptionsValidator.DefaultPolicyKey}: it applies twice to route '{route.RouteId}' (each request counts two permits); remove one");
                    }
                    else
                    {
                        applies.Add(named);
                    }
                }
            }

            var authorization = route.AuthorizationPolicy;
            var authenticated = string.IsNullOrEmpty(authorization) ? authorizationByDefault : !authorization.Equals("Anonymous", StringComparison.OrdinalIgnoreCase);
            foreach (var claimPolicy in applies.Where(p => p.PartitionBy == PartitionSource.Claim && !authenticated))
            {
                report.Warn(key, $"policy '{claimPolicy.Name}' counts per claim {claimPolicy.PartitionName}, but route '{route.RouteId}' validates no token (no AuthorizationPolicy): its requests are counted per client address");
            }
        }

        foreach (var policy in settings.Policies.Values.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase))
        {
            var routesOf = usage.GetValueOrDefault(policy.Name) ?? [];
            var note = ReferenceEquals(policy, defaultPolicy) ? "; default: every route not set to Disable" : routesOf.Count > 0 ? $"; routes: {string.Join(", ", routesOf)}" : "; no route names it";
            report.Ok($"{RateLimitingOptionsValidator.PoliciesKey}:{policy.Name}", policy.Description + note);
        }
    }
}
