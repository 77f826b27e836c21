using EdgeProxy.Configuration;
using EdgeProxy.Proxy;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Retries;

/// <summary>
/// Each cluster's and route's retry metadata as YARP read it, over the bound <c>EdgeProxy:Retries</c>, with the rules
/// the section has; each problem under the metadata key that set it. A route whose own Timeout would end the wait
/// first is a WARN. Keys that are not retry keys (or a cluster's key on a route) are the model's: unknown-key FAIL.
/// </summary>
internal static class RetryRouteCheck
{
    public static void Check(RetryOptions section, IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters, ConfigReport report)
    {
        var levels = new Dictionary<string, RetryOptions>(StringComparer.OrdinalIgnoreCase);
        foreach (var cluster in clusters)
        {
            var prefix = $"{ReverseProxyConfigValidator.SectionName}:Clusters:{cluster.ClusterId}:Metadata:";
            levels[cluster.ClusterId] = Level(section, cluster.Metadata, RetryMetadata.ClusterKeys, prefix, report);
        }

        foreach (var route in routes)
        {
            var key = $"{ReverseProxyConfigValidator.SectionName}:Routes:{route.RouteId}";
            var basis = route.ClusterId is { } id && levels.TryGetValue(id, out var level) ? level : section;
            var effective = Level(basis, route.Metadata, RetryMetadata.RouteKeys, key + ":Metadata:", report);
            if (effective.TryDuration > TimeSpan.Zero && route.Timeout is { } timeout && timeout <= effective.TryDuration)
            {
                report.Warn(key + ":Timeout", $"{Duration.Show(timeout)} is not longer than TryDuration {Duration.Show(effective.TryDuration)}: a request waiting for a destination ends at the route Timeout with 504, before the wait could end");
            }
        }
    }

    /// <summary>One level's metadata over its basis: only what this level sets is reported (the section's own problems are reported once, under its key).</summary>
    private static RetryOptions Level(RetryOptions basis, IReadOnlyDictionary<string, string>? metadata, string[] keys, string prefix, ConfigReport report)
    {
        var options = RetryMetadata.Apply(basis, key => metadata?.GetValueOrDefault(RetryMetadata.Prefix + key), keys, (key, message) => report.Fail(prefix + RetryMetadata.Prefix + key, message));
        foreach (var (key, message) in RetryOptionsValidator.Problems(options, prefix + RetryMetadata.Prefix))
        {
            if (metadata?.ContainsKey(key[prefix.Length..]) == true)
            {
                report.Fail(key, message);
            }
        }

        return options;
    }
}
