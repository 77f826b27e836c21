using EdgeProxy.Tls;

namespace EdgeProxy.Configuration;

/// <summary>
/// What validators need beside their own options: the folder relative paths resolve against, and the listeners
/// (<see cref="ListenerOptions"/> as <see cref="EndpointReader"/> reads them) and the routes as YARP read them, as
/// configured now.
/// </summary>
internal sealed record ConfigContext(string ContentRoot, Func<IReadOnlyList<EndpointSpec>> Endpoints)
{
    /// <summary>The routes of <c>ReverseProxy</c> as YARP's own binder read them; none when it could not read them.</summary>
    public Func<IReadOnlyList<Yarp.ReverseProxy.Configuration.RouteConfig>> Routes { get; init; } = () => [];
}
