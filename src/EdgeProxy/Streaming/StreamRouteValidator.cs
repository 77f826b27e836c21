using EdgeProxy.Configuration;

namespace EdgeProxy.Streaming;

/// <summary>
/// Each route's <c>EdgeProxy.Stream</c> and <c>EdgeProxy.StreamPolicy</c>: a known mode, a known policy, the two agreeing,
/// and no total timeout on a stream route. Returns which routes run under which policy, for <c>check</c>'s listing.
/// </summary>
internal static class StreamRouteValidator
{
    public static IReadOnlyDictionary<string, List<string>> Validate(IConfiguration config, StreamingSettings settings, ConfigReport report)
    {
        var usage = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var route in config.GetSection("ReverseProxy:Routes").GetChildren())
        {
            if (Resolve(route, settings, report) is not { } policy)
            {
                continue;
            }

            if (!usage.TryGetValue(policy.Name, out var routes))
            {
                usage[policy.Name] = routes = [];
            }

            routes.Add(route.Key);
            if (policy.IsStream)
            {
                RefuseTotalTimeout(route, policy, report);
            }
        }

        return usage;
    }

    private static StreamPolicy? Resolve(IConfigurationSection route, StreamingSettings settings, ConfigReport report)
    {
        var modeKey = $"{route.Path}:Metadata:{StreamRouteMetadata.Key}";
        var rawMode = route[$"Metadata:{StreamRouteMetadata.Key}"];
        var modeValid = StreamRouteMetadata.TryParse(rawMode, out var mode);
        if (!modeValid)
        {
            report.Fail(modeKey, $"'{rawMode}' is not a stream mode; use Auto (default), Sse, Ndjson, WebSocket or Buffered, or name a policy with {StreamRouteMetadata.PolicyKey}");
        }

        var rawPolicy = route[$"Metadata:{StreamRouteMetadata.PolicyKey}"];
        if (string.IsNullOrWhiteSpace(rawPolicy))
        {
            return modeValid ? settings.ForMode(mode) : null;
        }

        var policyKey = $"{route.Path}:Metadata:{StreamRouteMetadata.PolicyKey}";
        if (!settings.Policies.TryGetValue(rawPolicy.Trim(), out var policy))
        {
            report.Fail(policyKey, $"route '{route.Key}' names stream policy '{rawPolicy}', which is not defined; the policies are {string.Join(", ", settings.Policies.Keys.Order(StringComparer.OrdinalIgnoreCase))} (define it under {StreamingSettings.PoliciesKey}:{rawPolicy.Trim()} with a Mode)");
            return null;
        }

        if (modeValid && !string.IsNullOrWhiteSpace(rawMode) && mode != policy.Mode)
        {
            report.Fail(modeKey, $"route '{route.Key}' says {StreamRouteMetadata.Key} {mode} but its {StreamRouteMetadata.PolicyKey} '{policy.Name}' is Mode {policy.Mode}; remove {StreamRouteMetadata.Key} (the policy's Mode decides)");
            return null;
        }

        return policy;
    }

    private static void RefuseTotalTimeout(IConfigurationSection route, StreamPolicy policy, ConfigReport report)
    {
        var timeout = route["Timeout"];
        var timeoutPolicy = route["TimeoutPolicy"];
        if (!string.IsNullOrEmpty(timeout))
        {
            report.Fail(route.Path + ":Timeout", $"route '{route.Key}' is a {policy.Mode} route (policy {policy.Name}); a total Timeout of {timeout} would cut its streams however busy they are. Remove it and use {StreamingSettings.PoliciesKey}:{policy.Name}:IdleTimeout or MaxDuration");
        }

        if (!string.IsNullOrEmpty(timeoutPolicy) && !string.Equals(timeoutPolicy, "Disable", StringComparison.OrdinalIgnoreCase))
        {
            report.Fail(route.Path + ":TimeoutPolicy", $"route '{route.Key}' is a {policy.Mode} route (policy {policy.Name}); timeout policy '{timeoutPolicy}' is a total timeout that would cut its streams. Remove it and use {StreamingSettings.PoliciesKey}:{policy.Name}:IdleTimeout or MaxDuration");
        }
    }
}
