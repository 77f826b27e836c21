using EdgeProxy.Configuration;
using EdgeProxy.Proxy;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Streaming;

/// <summary>
/// Each route as YARP read it: <c>EdgeProxy.Stream</c> names a mode, and a stream route carries no total timeout
/// (YARP's <c>Timeout</c> or <c>TimeoutPolicy</c>), which would cut its streams however busy they are.
/// </summary>
internal static class StreamingRouteCheck
{
    public static void Check(IEnumerable<RouteConfig> routes, ConfigReport report)
    {
        foreach (var route in routes)
        {
            var key = $"{ReverseProxyConfigValidator.SectionName}:Routes:{route.RouteId}";
            var raw = route.Metadata?.GetValueOrDefault(StreamRouteMetadata.Key);
            if (!StreamRouteMetadata.TryParse(raw, out var mode))
            {
                report.Fail($"{key}:Metadata:{StreamRouteMetadata.Key}", $"'{raw}' is not a stream mode; use Auto (default), Sse, Ndjson, WebSocket or Buffered");
                continue;
            }

            if (mode is not (StreamMode.Sse or StreamMode.Ndjson or StreamMode.WebSocket))
            {
                continue;
            }

            var policy = StreamingSettings.Default.ForRoute(mode).Name;
            if (route.Timeout is { } timeout)
            {
                report.Fail(key + ":Timeout", $"route '{route.RouteId}' is a {mode} route; a total Timeout of {timeout} would cut its streams however busy they are. Remove it and use EdgeProxy:Streaming:Policies:{policy}:IdleTimeout or MaxDuration");
            }

            if (!string.IsNullOrEmpty(route.TimeoutPolicy) && !string.Equals(route.TimeoutPolicy, "Disable", StringComparison.OrdinalIgnoreCase))
            {
                report.Fail(key + ":TimeoutPolicy", $"route '{route.RouteId}' is a {mode} route; timeout policy '{route.TimeoutPolicy}' is a total timeout that would cut its streams. Remove it and use EdgeProxy:Streaming:Policies:{policy}:IdleTimeout or MaxDuration");
            }
        }
    }
}
