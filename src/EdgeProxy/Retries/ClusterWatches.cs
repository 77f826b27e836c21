using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Retries;

/// <summary>
/// One <see cref="ClusterWatch"/> per cluster that ever had a waiting request or a destination down. Requests
/// look one up only while some destination anywhere is down (<see cref="AnyDown"/>) or when they must wait.
/// </summary>
internal sealed class ClusterWatches(IActiveHealthCheckMonitor activeHealth, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<ClusterWatch> logger)
{
    private readonly ConditionalWeakTable<ClusterState, ClusterWatch> _watches = new();
    private int _down;

    /// <summary>Some destination of some cluster refused its last connection and has not accepted one since.</summary>
    public bool AnyDown => Volatile.Read(ref _down) > 0;

    public ClusterWatch For(ClusterState cluster) => _watches.GetValue(cluster, c => new ClusterWatch(c, this));

    /// <summary>Whether requests to <paramref name="cluster"/> must skip a destination before their first try.</summary>
    public bool HasDown(ClusterState? cluster) => AnyDown && cluster is not null && _watches.TryGetValue(cluster, out var watch) && watch.HasDown;

    internal IActiveHealthCheckMonitor ActiveHealth => activeHealth;

    internal TimeProvider Time => time;

    internal CancellationToken Stopping => lifetime.ApplicationStopping;

    internal ILogger Logger => logger;

    internal void DownChanged(int delta) => Interlocked.Add(ref _down, delta);
}
