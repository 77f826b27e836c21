using EdgeProxy.Configuration;

namespace EdgeProxy.Streaming;

/// <summary>
/// What is wrong or questionable in one resolved policy (<see cref="Problems"/>, from the options validator), and the
/// line <c>check</c> prints for it once the routes are known (<see cref="Summary"/>): its limits and who uses it.
/// </summary>
internal static class StreamPolicyChecks
{
    public static void Problems(StreamPolicy policy, ConfigReport report)
    {
        var key = $"{StreamingSettings.PoliciesKey}:{policy.Name}";
        if (policy.IsStream && policy.RequestTimeout is { } total)
        {
            report.Fail(key + ":RequestTimeout", $"{Duration.Show(total)} would cut every {policy.Name} stream after that long, however busy; streams are limited by IdleTimeout and MaxDuration. Remove the key or set it to \"off\"");
        }

        if (policy.IdleTimeout is { } idle && policy.MaxDuration is { } max && idle > max)
        {
            report.Fail(key + ":IdleTimeout", $"{Duration.Show(idle)} is longer than MaxDuration {Duration.Show(max)}, so it can never apply; lower IdleTimeout or raise MaxDuration");
        }

        if (policy.Heartbeat is { } beat)
        {
            if (policy.EffectiveHeartbeat is null)
            {
                report.Warn(key + ":Heartbeat", $"ignored: heartbeats exist for Sse (comment lines) and WebSocket (ping frames) policies; this one is Mode {policy.Mode}{(policy.Mode == StreamMode.Ndjson ? " (NDJSON has no safe filler line)" : string.Empty)}");
            }
            else if (policy.IdleTimeout is { } idleLimit && beat >= idleLimit)
            {
                report.Warn(key + ":Heartbeat", $"{Duration.Show(beat)} is not shorter than IdleTimeout {Duration.Show(idleLimit)}: the idle limit (which heartbeats do not reset) ends the stream first");
            }
        }
    }

    /// <summary>The OK line (limits, routes, which policies hand streams to it), or a WARN for a named policy nothing uses.</summary>
    public static void Summary(StreamPolicy policy, IReadOnlyList<string> routes, IEnumerable<StreamPolicy> all, ConfigReport report)
    {
        var key = $"{StreamingSettings.PoliciesKey}:{policy.Name}";
        var targetOf = all.Where(p => p.Targets is { } t && (ReferenceEquals(t.Sse, policy) || ReferenceEquals(t.Ndjson, policy) || ReferenceEquals(t.WebSocket, policy)) && !ReferenceEquals(p, policy))
            .Select(p => p.Name).ToList();
        if (!StreamingSettings.IsBuiltIn(policy.Name) && routes.Count == 0 && targetOf.Count == 0)
        {
            report.Warn(key, $"no route names this policy ({StreamRouteMetadata.PolicyKey}) and no Auto or Buffered policy hands streams to it, so it never applies");
            return;
        }

        var use = (routes.Count > 0 ? $"; routes: {string.Join(", ", routes)}" : "; no route starts under it")
            + (targetOf.Count > 0 ? $"; {policy.Mode} responses of: {string.Join(", ", targetOf)}" : string.Empty);
        report.Ok(key, Describe(policy) + use);
    }

    private static string Describe(StreamPolicy p) =>
        $"Mode {p.Mode}: idle {Show(p.IdleTimeout, "cluster ActivityTimeout")}, total {Show(p.RequestTimeout, "none")}, max {Show(p.MaxDuration, "none")}, heartbeat {Show(p.EffectiveHeartbeat, "off")}, body {(p.MaxRequestBodySize is { } b ? b + " bytes" : "unlimited")}"
        + (p.Targets is { } t ? $", streams to {t.Sse.Name}/{t.Ndjson.Name}/{t.WebSocket.Name}" : string.Empty);

    private static string Show(TimeSpan? value, string none) => value is { } v ? Duration.Show(v) : none;
}
