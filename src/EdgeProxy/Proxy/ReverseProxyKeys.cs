using EdgeProxy.Configuration;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Proxy;

/// <summary>
/// The <c>ReverseProxy</c> section as YARP's configuration provider reads it: its public
/// <see cref="RouteConfig"/> and <see cref="ClusterConfig"/> shapes, with EdgeProxy's metadata keys.
/// </summary>
internal static class ReverseProxyKeys
{
    public static SectionNode Build()
    {
        var route = OptionsModel.Of(typeof(RouteConfig), p => p.Name switch
        {
            nameof(RouteConfig.RouteId) when p.DeclaringType == typeof(RouteConfig) => OptionsModel.Skip, // the entry's name
            nameof(RouteConfig.Metadata) => new MetadataNode(RouteMetadataKeys.All) { Description = "Free string keys; EdgeProxy.* keys set EdgeProxy's policy for the route." },
            nameof(RouteConfig.Transforms) => new ListNode(new OpenNode()) { Description = "YARP request and response transforms; YARP's validator checks them." },
            _ => null,
        });
        var cluster = OptionsModel.Of(typeof(ClusterConfig), p => p.Name switch
        {
            nameof(ClusterConfig.ClusterId) when p.DeclaringType == typeof(ClusterConfig) => OptionsModel.Skip,
            nameof(ClusterConfig.Metadata) => new MetadataNode(ClusterMetadataKeys.All),
            nameof(HttpClientConfig.SslProtocols) when p.DeclaringType == typeof(HttpClientConfig) => new ValueNode(typeof(System.Security.Authentication.SslProtocols), AcceptsList: true), // YARP reads a list itself
            nameof(ClusterConfig.Destinations) => new MapNode(OptionsModel.Of(typeof(DestinationConfig), d => d.Name == nameof(DestinationConfig.Metadata) ? new MetadataNode(ClusterMetadataKeys.All) : null), "destination"),
            _ => null,
        });

        var section = new SectionNode();
        section.Keys["Routes"] = new MapNode(route, "route") { Description = "Routes by id: Match, ClusterId and policies. https://learn.microsoft.com/aspnet/core/fundamentals/servers/yarp/config-files" };
        section.Keys["Clusters"] = new MapNode(cluster, "cluster") { Description = "Clusters by id: Destinations, health checks, load balancing, HttpRequest." };
        return section;
    }
}
