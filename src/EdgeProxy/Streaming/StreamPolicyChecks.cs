using EdgeProxy.Configuration;

namespace EdgeProxy.Streaming;

/// <summary>What is wrong or questionable in one resolved policy, and the OK line <c>check</c> prints for it: its limits and who uses it.</summary>
internal static class StreamPolicyChecks
{
    public static void Check(StreamPolicy policy, IReadOnlyDictionary<string, List<string>> routesByPolicy, IEnumerable<StreamPolicy> all, ConfigReport report)
    {
        var key = $"{StreamingSettings.PoliciesKey}:{policy.Name}";
        var before = report.Failures.Count();
        if (policy.IsStream && policy.RequestTimeout is { } total)
        {
            report.Fail(key + ":RequestTimeout", $"{total} would cut every {policy.Name} stream after that long, however busy; streams are limited by IdleTimeout and MaxDuration. Remove the key or set it to \"off\"");
        }

        if (policy.IdleTimeout is { } idle && policy.MaxDuration is { } max && idle > max)
        {
            report.Fail(key + ":IdleTimeout", $"{idle} is longer than MaxDuration {max}, so it can never apply; lower IdleTimeout or raise MaxDuration");
        }

        if (policy.Heartbeat is { } beat)
        {
            if (policy.EffectiveHeartbeat is null)
            {
                report.Warn(key + ":Heartbeat", $"ignored: heartbeats exist for Sse (comment lines) and WebSocket (ping frames) policies; this one is Mode {policy.Mode}{(policy.Mode == StreamMode.Ndjson ? " (NDJSON has no safe filler line)" : string.Empty)}");
            }
            else if (policy.IdleTimeout is { } idleLimit && beat >= idleLimit)
            {
                report.Warn(key + ":Heartbeat", $"{beat} is not shorter than IdleTimeout {idleLimit}: the idle limit (which heartbeats do not reset) ends the stream first");
            }
        }

        var routes = routesByPolicy.GetValueOrDefault(policy.Name) ?? [];
        var targetOf = all.Where(p => p.Targets is { } t && (ReferenceEquals(t.Sse, policy) || ReferenceEquals(t.Ndjson, policy) || ReferenceEquals(t.WebSocket, policy)) && !ReferenceEquals(p, policy))
            .Select(p => p.Name).ToList();
        var use = (routes.Count > 0 ? $"; routes: {string.Join(", ", routes)}" : "; no route starts under it")
            + (targetOf.Count > 0 ? $"; {policy.Mode} responses of: {string.Join(", ", targetOf)}" : string.Empty);
        if (report.Failures.Count() != before)
        {
            return;
        }

        if (!StreamingSettings.IsBuiltIn(policy.Name) && routes.Count == 0 && targetOf.Count == 0)
        {
            report.Warn(key, $"no route names this policy ({StreamRouteMetadata.PolicyKey}) and no Auto or Buffered policy hands streams to it, so it never applies");
            return;
        }

        report.Ok(key, Describe(policy) + use);
    }

    private static string Describe(StreamPolicy p) =>
        $"Mode {p.Mode}: idle {Show(p.IdleTimeout, "cluster ActivityTimeout")}, total {Show(p.RequestTimeout, "none")}, max {Show(p.MaxDuration, "none")}, heartbeat {Show(p.EffectiveHeartbeat, "off")}, body {(p.MaxRequestBodySize is { } b ? b + " bytes" : "unlimited")}"
        + (p.Targets is { } t ? $", streams to {t.Sse.Name}/{t.Ndjson.Name}/{t.WebSocket.Name}" : string.Empty);

    private static string Show(TimeSpan? value, string none) => value?.ToString() ?? none;
}
