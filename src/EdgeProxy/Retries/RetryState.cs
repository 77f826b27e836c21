using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Retries;

/// <summary>
/// A request that needed more than one plain try: it stands in for YARP's <see cref="IReverseProxyFeature"/>
/// (delegating every member), so the access log learns about holds and tries from the feature it reads anyway
/// and requests that never needed this pay nothing for it.
/// </summary>
internal sealed class RetryState(IReverseProxyFeature inner, ClusterWatch watch, RetryPolicy policy, ReplayableRequestBody? body) : IReverseProxyFeature
{
    private List<DestinationState>? _excluded;

    public RouteModel Route => inner.Route;

    public ClusterModel Cluster => inner.Cluster;

    public IReadOnlyList<DestinationState> AllDestinations => inner.AllDestinations;

    public IReadOnlyList<DestinationState> AvailableDestinations
    {
        get => inner.AvailableDestinations;
        set => inner.AvailableDestinations = value;
    }

    public DestinationState? ProxiedDestination
    {
        get => inner.ProxiedDestination;
        set => inner.ProxiedDestination = value;
    }

    public ClusterWatch Watch => watch;

    public RetryPolicy Policy => policy;

    public ReplayableRequestBody? Body => body;

    /// <summary>Times the request was handed to the forwarder.</summary>
    public int Tries { get; set; }

    /// <summary>Times it was sent again after a failure once sent.</summary>
    public int Resent { get; set; }

    /// <summary>When it began to wait (Stopwatch timestamp); 0 while it never waited.</summary>
    public long HeldSince { get; private set; }

    public bool IsHeld => HeldSince != 0;

    /// <summary>From the first wait's start to the last wait's end: the tries themselves do not count.</summary>
    public TimeSpan Held { get; set; }

    public bool WasRetried => Tries > 1 || IsHeld;

    public IReadOnlyList<DestinationState>? Excluded => _excluded;

    /// <summary>The refusal that kept its destinations down when it last found none to try.</summary>
    public IForwarderErrorFeature? WaitsFor { get; set; }

    public void StartHold(long now) => HeldSince = now;

    /// <summary>A destination that failed once the request was sent: another one is preferred for the next try.</summary>
    public void Exclude(DestinationState? destination)
    {
        if (destination is not null)
        {
            (_excluded ??= []).Add(destination);
        }
    }

    public void ClearExcluded() => _excluded?.Clear();
}
