using EdgeProxy.Configuration;
using EdgeProxy.Proxy;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Streaming;

/// <summary>
/// Each route as YARP read it: <c>EdgeProxy.StreamPolicy</c> names a policy that exists, <c>EdgeProxy.Stream</c> names a
/// mode (and agrees with the policy's), and a stream route carries no total timeout (YARP's <c>Timeout</c> or
/// <c>TimeoutPolicy</c>), which would cut its streams however busy they are. Then each policy's line for <c>check</c>:
/// its limits and the routes that start under it.
/// </summary>
internal static class StreamingRouteCheck
{
    public static void Check(StreamingOptions options, long? kestrelLimit, IEnumerable<RouteConfig> routes, ConfigReport report)
    {
        // The options validator reported the policies' own problems; resolved again here only to know them.
        var own = new ConfigReport();
        var settings = StreamingOptionsValidator.Resolve(options, kestrelLimit, own);
        var usage = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var route in routes)
        {
            if (Resolve(route, settings, report) is not { } policy)
            {
                continue;
            }

            (usage.TryGetValue(policy.Name, out var list) ? list : usage[policy.Name] = []).Add(route.RouteId);
            if (policy.IsStream)
            {
                RefuseTotalTimeout(route, policy, report);
            }
        }

        foreach (var policy in StreamingOptionsValidator.Ordered(settings.Policies.Values))
        {
            var key = $"{StreamingSettings.PoliciesKey}:{policy.Name}";
            if (!own.Failures.Any(f => f.Key.Equals(key, StringComparison.OrdinalIgnoreCase) || f.Key.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase)))
            {
                StreamPolicyChecks.Summary(policy, usage.GetValueOrDefault(policy.Name) ?? [], settings.Policies.Values, report);
            }
        }
    }

    private static StreamPolicy? Resolve(RouteConfig route, StreamingSettings settings, ConfigReport report)
    {
        var metadata = $"{ReverseProxyConfigValidator.SectionName}:Routes:{route.RouteId}:Metadata";
        var rawMode = route.Metadata?.GetValueOrDefault(StreamRouteMetadata.Key);
        var modeValid = StreamRouteMetadata.TryParse(rawMode, out var mode);
        if (!modeValid)
        {
            report.Fail($"{metadata}:{StreamRouteMetadata.Key}", $"'{rawMode}' is not a stream mode; use Auto (default), Sse, Ndjson, WebSocket or Buffered, or name a policy with {StreamRouteMetadata.PolicyKey}");
        }

        var rawPolicy = route.Metadata?.GetValueOrDefault(StreamRouteMetadata.PolicyKey);
        if (string.IsNullOrWhiteSpace(rawPolicy))
        {
            return modeValid ? settings.ForMode(mode) : null;
        }

        if (!settings.Policies.TryGetValue(rawPolicy.Trim(), out var policy))
        {
            report.Fail($"{metadata}:{StreamRouteMetadata.PolicyKey}", $"route '{route.RouteId}' names stream policy '{rawPolicy}', which is not defined; the policies are {string.Join(", ", settings.Policies.Keys.Order(StringComparer.OrdinalIgnoreCase))} (define it under {StreamingSettings.PoliciesKey}:{rawPolicy.Trim()} with a Mode)");
            return null;
        }

        if (modeValid && !string.IsNullOrWhiteSpace(rawMode) && mode != policy.Mode)
        {
            report.Fail($"{metadata}:{StreamRouteMetadata.Key}", $"route '{route.RouteId}' says {StreamRouteMetadata.Key} {mode} but its {StreamRouteMetadata.PolicyKey} '{policy.Name}' is Mode {policy.Mode}; remove {StreamRouteMetadata.Key} (the policy's Mode decides)");
            return null;
        }

        return policy;
    }

    private static void RefuseTotalTimeout(RouteConfig route, StreamPolicy policy, ConfigReport report)
    {
        var key = $"{ReverseProxyConfigValidator.SectionName}:Routes:{route.RouteId}";
        if (route.Timeout is { } timeout)
        {
            report.Fail(key + ":Timeout", $"route '{route.RouteId}' is a {policy.Mode} route (policy {policy.Name}); a total Timeout of {timeout} would cut its streams however busy they are. Remove it and use {StreamingSettings.PoliciesKey}:{policy.Name}:IdleTimeout or MaxDuration");
        }

        if (!string.IsNullOrEmpty(route.TimeoutPolicy) && !string.Equals(route.TimeoutPolicy, "Disable", StringComparison.OrdinalIgnoreCase))
        {
            report.Fail(key + ":TimeoutPolicy", $"route '{route.RouteId}' is a {policy.Mode} route (policy {policy.Name}); timeout policy '{route.TimeoutPolicy}' is a total timeout that would cut its streams. Remove it and use {StreamingSettings.PoliciesKey}:{policy.Name}:IdleTimeout or MaxDuration");
        }
    }
}
