using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Retries;

/// <summary>
/// The <see cref="RetryPolicy"/> of a request's route and cluster, resolved once per route, cluster and
/// configuration and cached on the route: a request pays one lookup and two reference comparisons.
/// </summary>
internal sealed class RetryPolicies : IDisposable
{
    private readonly ConditionalWeakTable<RouteModel, Entry> _cache = new();
    private readonly IDisposable? _subscription;
    private volatile RetryOptions _section;

    public RetryPolicies(IOptionsMonitor<RetryOptions> options)
    {
        _section = options.CurrentValue;
        _subscription = options.OnChange(o => _section = o);
    }

    public RetryPolicy For(IReverseProxyFeature proxy)
    {
        var route = proxy.Route;
        var cluster = proxy.Cluster;
        var section = _section;
        if (_cache.TryGetValue(route, out var entry) && ReferenceEquals(entry.Cluster, cluster) && ReferenceEquals(entry.Section, section))
        {
            return entry.Policy;
        }

        // Validated before it was applied (start, reload): a value that does not parse cannot get here.
        var clusterLevel = RetryMetadata.Apply(section, key => Lookup(cluster.Config.Metadata, key), RetryMetadata.ClusterKeys);
        var policy = RetryPolicy.From(RetryMetadata.Apply(clusterLevel, key => Lookup(route.Config.Metadata, key), RetryMetadata.RouteKeys));
        _cache.AddOrUpdate(route, new Entry(cluster, section, policy));
        return policy;
    }

    public void Dispose() => _subscription?.Dispose();

    private static string? Lookup(IReadOnlyDictionary<string, string>? metadata, string key) =>
        metadata is not null && metadata.TryGetValue(RetryMetadata.Prefix + key, out var value) ? value : null;

    private sealed record Entry(ClusterModel Cluster, RetryOptions Section, RetryPolicy Policy);
}
