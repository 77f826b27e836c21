using System.Globalization;
using EdgeProxy.Configuration;

namespace EdgeProxy.Proxy;

/// <summary>
/// A cluster's <c>HealthCheck</c> as typed, beside what YARP's own validator checks (policies, positive
/// durations): YARP ignores a misspelt key and an Active or Passive block without <c>Enabled: true</c>, so
/// a health check that silently never runs is reported here, as are a relative probe path and a timeout that
/// outlasts its interval.
/// </summary>
internal static class HealthCheckConfigValidator
{
    public static void Validate(IConfigurationSection cluster, ConfigReport report)
    {
        foreach (var destination in cluster.GetSection("Destinations").GetChildren())
        {
            if (destination["Health"] is { } health && !IsHttpUrl(health))
            {
                report.Fail(destination.Path + ":Health", $"'{health}' is not an absolute http:// or https:// URL (the address active health probes go to)");
            }
        }

        var section = cluster.GetSection("HealthCheck");
        if (!section.Exists())
        {
            return;
        }

        var before = report.Failures.Count();
        var active = section.GetSection("Active");
        var passive = section.GetSection("Passive");
        // Misspelt keys (which YARP would ignore) are refused by the model, from YARP's HealthCheckConfig shape.
        var activeOn = Enabled(active, report);
        var passiveOn = Enabled(passive, report);
        if (active["Path"] is { } path && !path.StartsWith('/'))
        {
            report.Fail(active.Path + ":Path", $"'{path}' must start with / (it is appended to the destination's address)");
        }

        if (activeOn && Duration(active["Interval"]) is { } interval && Duration(active["Timeout"]) is { } timeout && timeout >= interval)
        {
            report.Warn(active.Path + ":Timeout", $"{timeout} is not shorter than Interval {interval}: probes of a hanging destination overlap");
        }

        if (report.Failures.Count() == before)
        {
            report.Ok(section.Path, Describe(active, activeOn, passive, passiveOn, section["AvailableDestinationsPolicy"]));
        }
    }

    private static bool Enabled(IConfigurationSection block, ConfigReport report)
    {
        if (!block.Exists())
        {
            return false;
        }

        var enabled = ConfigValues.ReadBool(block, "Enabled", report);
        if (enabled is null)
        {
            report.Warn(block.Path + ":Enabled", "missing: YARP runs no check of this kind unless Enabled is true");
        }

        return enabled == true;
    }

    private static string Describe(IConfigurationSection active, bool activeOn, IConfigurationSection passive, bool passiveOn, string? policy)
    {
        var parts = new List<string>();
        if (activeOn)
        {
            parts.Add($"active GET {active["Path"] ?? "/"}{active["Query"]} every {Duration(active["Interval"]) ?? TimeSpan.FromSeconds(15)} ({active["Policy"] ?? "ConsecutiveFailures"})");
        }

        if (passiveOn)
        {
            parts.Add($"passive {passive["Policy"] ?? "TransportFailureRate"}, back after {Duration(passive["ReactivationPeriod"]) ?? TimeSpan.FromMinutes(2)}");
        }

        parts.Add(string.Equals(policy, "HealthyAndUnknown", StringComparison.OrdinalIgnoreCase)
            ? "with every destination unhealthy, requests wait (TryDuration) for one to pass a check"
            : "with every destination unhealthy, all are tried (HealthyOrPanic)");
        return (parts.Count == 1 ? "no health checks enabled; " : string.Empty) + string.Join("; ", parts);
    }

    private static TimeSpan? Duration(string? text) => TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host);
}
