using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Proxy;

/// <summary>The routes and clusters as YARP read them from <c>ReverseProxy</c>, for the EdgeProxy checks of their metadata.</summary>
internal sealed record ProxyConfigRead(IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters)
{
    public static ProxyConfigRead None { get; } = new([], []);
}
