using EdgeProxy.Configuration;
using EdgeProxy.Proxy;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Hsts;

/// <summary>Each route's <c>EdgeProxy.Hsts</c> metadata, as YARP read the route: an owner name, never a number.</summary>
internal static class HstsRouteCheck
{
    public static void Check(IEnumerable<RouteConfig> routes, ConfigReport report)
    {
        foreach (var route in routes)
        {
            if (route.Metadata?.TryGetValue(HstsMiddleware.RouteMetadataKey, out var value) == true
                && !(Enum.TryParse<HstsOwner>(value, ignoreCase: true, out var owner) && Enum.IsDefined(owner) && !value.Trim().All(char.IsAsciiDigit)))
            {
                report.Fail($"{ReverseProxyConfigValidator.SectionName}:Routes:{route.RouteId}:Metadata:{HstsMiddleware.RouteMetadataKey}", $"'{value}' is not one of Proxy, Upstream, UpstreamOrProxy, Off");
            }
        }
    }
}
