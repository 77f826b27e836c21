using EdgeProxy.Configuration;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Proxy;

/// <summary>
/// A cluster's <c>HealthCheck</c> as YARP read it, beside what YARP's own validator checks (policies, positive
/// durations): YARP ignores an Active or Passive block without <c>Enabled: true</c>, so a health check that silently
/// never runs is reported here, as are a relative probe path and a timeout that outlasts its interval. Values of the
/// wrong shape (<c>"Enabled": "yes"</c>) were refused by <see cref="ValueCheck"/> before YARP read the section.
/// </summary>
internal static class HealthCheckConfigValidator
{
    public static void Validate(ClusterConfig cluster, ConfigReport report)
    {
        var key = $"{ReverseProxyConfigValidator.SectionName}:Clusters:{cluster.ClusterId}";
        foreach (var (name, destination) in cluster.Destinations ?? new Dictionary<string, DestinationConfig>())
        {
            if (destination.Health is { } health && !IsHttpUrl(health))
            {
                report.Fail($"{key}:Destinations:{name}:Health", $"'{health}' is not an absolute http:// or https:// URL (the address active health probes go to)");
            }
        }

        if (cluster.HealthCheck is not { } healthCheck)
        {
            return;
        }

        key += ":HealthCheck";
        var before = report.Failures.Count();
        var active = healthCheck.Active;
        var passive = healthCheck.Passive;
        var activeOn = Enabled(active is not null, active?.Enabled, key + ":Active", report);
        var passiveOn = Enabled(passive is not null, passive?.Enabled, key + ":Passive", report);
        if (active?.Path is { } path && !path.StartsWith('/'))
        {
            report.Fail(key + ":Active:Path", $"'{path}' must start with / (it is appended to the destination's address)");
        }

        if (activeOn && active!.Interval is { } interval && active.Timeout is { } timeout && timeout >= interval)
        {
            report.Warn(key + ":Active:Timeout", $"{timeout} is not shorter than Interval {interval}: probes of a hanging destination overlap");
        }

        if (report.Failures.Count() == before)
        {
            report.Ok(key, Describe(healthCheck, activeOn, passiveOn));
        }
    }

    // present: whether the block is in the file (YARP reads an absent one as null)
    private static bool Enabled(bool present, bool? enabled, string key, ConfigReport report)
    {
        if (present && enabled is null)
        {
            report.Warn(key + ":Enabled", "missing: YARP runs no check of this kind unless Enabled is true");
        }

        return enabled == true;
    }

    private static string Describe(HealthCheckConfig healthCheck, bool activeOn, bool passiveOn)
    {
        var parts = new List<string>();
        if (activeOn)
        {
            var active = healthCheck.Active!;
            parts.Add($"active GET {active.Path ?? "/"}{active.Query} every {active.Interval ?? TimeSpan.FromSeconds(15)} ({active.Policy ?? "ConsecutiveFailures"})");
        }

        if (passiveOn)
        {
            parts.Add($"passive {healthCheck.Passive!.Policy ?? "TransportFailureRate"}, back after {healthCheck.Passive.ReactivationPeriod ?? TimeSpan.FromMinutes(2)}");
        }

        parts.Add(string.Equals(healthCheck.AvailableDestinationsPolicy, "HealthyAndUnknown", StringComparison.OrdinalIgnoreCase)
            ? "with every destination unhealthy, requests wait (TryDuration) for one to pass a check"
            : "with every destination unhealthy, all are tried (HealthyOrPanic)");
        return (parts.Count == 1 ? "no health checks enabled; " : string.Empty) + string.Join("; ", parts);
    }

    private static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host);
}
