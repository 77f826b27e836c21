using System.Net;
using System.Net.Sockets;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Retries;

/// <summary>
/// The destinations of one cluster that refused connections, and the requests waiting for one to come back.
/// One loop per cluster probes the down destinations (a TCP connect, nothing sent) every TryInterval while
/// requests wait, and wakes them all at the first probe that connects or when YARP's health checks make a
/// destination available again: requests never sleep and poll on their own. Without waiting requests a down
/// mark lapses after <see cref="DownWithoutWaiters"/>, so the next request tries the destination itself.
/// </summary>
internal sealed partial class ClusterWatch(ClusterState cluster, ClusterWatches owner)
{
    /// <summary>How long a destination stays skipped without anyone waiting for it.</summary>
    public static readonly TimeSpan DownWithoutWaiters = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HealthCheckNudgeInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<DestinationState, long> _down = []; // destination -> when it was last seen refusing
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TimeSpan _interval = TimeSpan.FromMilliseconds(50);
    private int _held;
    private bool _running;
    private long _lastNudge;
    private IForwarderErrorFeature? _lastRefusal;

    public bool HasDown
    {
        get
        {
            lock (_lock)
            {
                return _down.Count > 0;
            }
        }
    }

    public int Held => Volatile.Read(ref _held);

    /// <summary>Completes when a waiting request should look again; take it before looking, then await it.</summary>
    public Task Changed
    {
        get
        {
            lock (_lock)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Counts a request as waiting unless <paramref name="max"/> already are.</summary>
    public bool TryHold(int max, TimeSpan interval)
    {
        if (Interlocked.Increment(ref _held) > max)
        {
            Interlocked.Decrement(ref _held);
            return false;
        }

        Run(interval);
        return true;
    }

    public void Release() => Interlocked.Decrement(ref _held);

    /// <summary>Why the last destination marked down was: what a request that gives up without a try of its own is told.</summary>
    public IForwarderErrorFeature? LastRefusal
    {
        get
        {
            lock (_lock)
            {
                return _down.Count > 0 ? _lastRefusal : null;
            }
        }
    }

    /// <summary>The destination refused a connection (or could not be reached): skipped until a probe connects.</summary>
    public void MarkDown(DestinationState destination, IForwarderErrorFeature refusal, TimeSpan interval)
    {
        lock (_lock)
        {
            _lastRefusal = refusal;
            if (!_down.ContainsKey(destination))
            {
                owner.DownChanged(1);
            }

            _down[destination] = owner.Time.GetTimestamp();
        }

        Run(interval);
    }

    /// <summary>
    /// YARP's available destinations now, without the down ones (unless <paramref name="skipDown"/> is false) and
    /// without <paramref name="excluded"/> ones, unless those are all that is left and <paramref name="sameAgain"/>.
    /// </summary>
    public IReadOnlyList<DestinationState> Candidates(IReadOnlyList<DestinationState>? excluded, bool skipDown = true, bool sameAgain = true)
    {
        var available = cluster.DestinationsState.AvailableDestinations;
        List<DestinationState>? up = null;
        lock (_lock)
        {
            if ((_down.Count == 0 || !skipDown) && excluded is not { Count: > 0 })
            {
                return available;
            }

            foreach (var destination in available)
            {
                if (!skipDown || !_down.ContainsKey(destination))
                {
                    (up ??= []).Add(destination);
                }
            }
        }

        if (up is null || excluded is not { Count: > 0 })
        {
            return (IReadOnlyList<DestinationState>?)up ?? [];
        }

        var preferred = up.FindAll(d => !excluded.Contains(d));
        return preferred.Count > 0 || !sameAgain ? preferred : up; // the same destination again, once it is back
    }

    private void Run(TimeSpan interval)
    {
        lock (_lock)
        {
            _interval = interval;
            if (_running)
            {
                return;
            }

            _running = true;
        }

        _ = LoopAsync();
    }

    private async Task LoopAsync()
    {
        try
        {
            while (!owner.Stopping.IsCancellationRequested)
            {
                TimeSpan interval;
                lock (_lock)
                {
                    interval = _interval;
                }

                await Task.Delay(interval, owner.Time, owner.Stopping);
                await ProbeAsync();
                lock (_lock)
                {
                    if (_held == 0 && _down.Count == 0)
                    {
                        _running = false;
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (owner.Stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.LoopFailed(owner.Logger, cluster.ClusterId, ex); // waiting requests still end at their TryDuration
        }

        lock (_lock)
        {
            _running = false;
        }
    }

    private async Task ProbeAsync()
    {
        var waiting = Held > 0;
        KeyValuePair<DestinationState, long>[] down;
        lock (_lock)
        {
            down = [.. _down];
        }

        var all = cluster.DestinationsState.AllDestinations;
        var now = owner.Time.GetTimestamp();
        var probes = new List<(DestinationState Destination, Task<bool> Accepts)>();
        foreach (var (destination, since) in down)
        {
            if (!all.Contains(destination) || (!waiting && owner.Time.GetElapsedTime(since, now) >= DownWithoutWaiters))
            {
                Up(destination); // gone from the config, or nobody waits: the next request tries it itself
            }
            else if (waiting)
            {
                probes.Add((destination, AcceptsAsync(destination)));
            }
        }

        // Every destination unhealthy (AvailableDestinationsPolicy HealthyAndUnknown): YARP sends nowhere until its
        // checks change their mind, so probe those too and ask for an active check as soon as one accepts.
        var noneAvailable = waiting && cluster.DestinationsState.AvailableDestinations.Count == 0;
        if (noneAvailable)
        {
            probes.AddRange(all.Where(d => !down.Any(p => p.Key == d)).Select(d => (d, AcceptsAsync(d))));
        }

        // In the order they finish: one destination that hangs (dropped SYNs) must not hold back the release
        // another one's answer allows.
        await foreach (var finished in Task.WhenEach(probes.Select(p => p.Accepts)))
        {
            if (!await finished)
            {
                continue;
            }

            var destination = probes.First(p => p.Accepts == finished).Destination;
            Up(destination);
            Log.DestinationBack(owner.Logger, cluster.ClusterId, destination.Model?.Config.Address ?? destination.DestinationId, Held);
            if (noneAvailable)
            {
                NudgeActiveHealthCheck();
            }
            else if (Candidates(null).Count > 0)
            {
                Signal();
            }
        }

        if (waiting && Candidates(null).Count > 0)
        {
            Signal(); // also when YARP's own checks made a destination available again
        }
    }

    private void Up(DestinationState destination)
    {
        lock (_lock)
        {
            if (_down.Remove(destination))
            {
                owner.DownChanged(-1);
            }
        }
    }

    private void Signal()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private void NudgeActiveHealthCheck()
    {
        var now = owner.Time.GetTimestamp();
        var last = Interlocked.Read(ref _lastNudge);
        if (cluster.Model.Config.HealthCheck?.Active?.Enabled != true || (last != 0 && owner.Time.GetElapsedTime(last, now) < HealthCheckNudgeInterval)
            || Interlocked.CompareExchange(ref _lastNudge, now, last) != last)
        {
            return;
        }

        _ = owner.ActiveHealth.CheckHealthAsync([cluster]); // its results make destinations available; the loop sees them
    }

    private static async Task<bool> AcceptsAsync(DestinationState destination)
    {
        if (!Uri.TryCreate(destination.Model?.Config.Address, UriKind.Absolute, out var uri))
        {
            return false;
        }

        var host = uri.IdnHost.Trim('[', ']');
        EndPoint endpoint = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, uri.Port) : new DnsEndPoint(host, uri.Port);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(ProbeTimeout);
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token);
            return !IsConnectedToItself(socket);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// A TCP connect to a local port nothing listens on can "succeed" by connecting to itself, when the kernel happens to
    /// pick that very port as the connection's own (TCP simultaneous open): that is not the app back.
    /// </summary>
    internal static bool IsConnectedToItself(Socket socket) =>
        socket.LocalEndPoint is IPEndPoint local && socket.RemoteEndPoint is IPEndPoint remote && local.Equals(remote);

    private static partial class Log
    {
        [LoggerMessage(EventIds.DestinationBack, LogLevel.Information, "Cluster {ClusterId}: {Destination} accepts connections again; {Waiting} waiting request(s) go now")]
        public static partial void DestinationBack(ILogger logger, string clusterId, string destination, int waiting);

        [LoggerMessage(EventIds.RetryWatchFailed, LogLevel.Error, "Cluster {ClusterId}: the loop that probes down destinations failed; waiting requests end at their TryDuration")]
        public static partial void LoopFailed(ILogger logger, string clusterId, Exception exception);
    }
}
