using EdgeProxy.Configuration;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Proxy;

/// <summary>
/// Routes ASP.NET Core cannot choose between: the same path pattern, headers, query and Order, and hosts and
/// methods that overlap. Routing answers every such request with an exception (500), so a route that is
/// indistinguishable from another is FAIL; one that shares only some hosts or methods is WARN.
/// </summary>
internal static class RouteOverlapCheck
{
    private const string Fix = "give each route its own Match:Hosts (e.g. [\"app2.example.com\"]) or Match:Path (e.g. \"/app2/{**rest}\"), or a lower Order on the one that should win";

    public static void Check(IReadOnlyList<RouteConfig> routes, ConfigReport report)
    {
        var shapes = routes.Select(r => (Route: r, Shape: RouteMatchShape.Of(r))).ToList();
        for (var i = 1; i < shapes.Count; i++)
        {
            var (route, shape) = shapes[i];
            for (var j = 0; j < i; j++)
            {
                var (other, otherShape) = shapes[j];
                if (shape.Pattern != otherShape.Pattern
                    || RouteMatchShape.Shared(shape.Hosts, otherShape.Hosts) is not { } hosts
                    || RouteMatchShape.Shared(shape.Methods, otherShape.Methods) is not { } methods)
                {
                    continue;
                }

                var key = $"{ReverseProxyConfigValidator.SectionName}:Routes:{route.RouteId}:Match";
                var described = $"{ReverseProxyConfigValidator.Describe(route.Match)}, order {route.Order ?? 0}";
                if (hosts.SetEquals(shape.Hosts) && hosts.SetEquals(otherShape.Hosts) && methods.SetEquals(shape.Methods) && methods.SetEquals(otherShape.Methods))
                {
                    report.Fail(key, $"matches exactly the requests route '{other.RouteId}' matches ({described}): routing cannot tell them apart and would answer each of them 500; {Fix}");
                }
                else
                {
                    var overlap = $"{(hosts.Count == 0 ? "any host" : "host " + string.Join(',', hosts))}, {(methods.Count == 0 ? "any method" : string.Join(',', methods))}";
                    report.Warn(key, $"requests for {overlap} match both this route and '{other.RouteId}' ({described}): routing cannot choose and answers them 500; {Fix}");
                }

                break; // one finding per route is enough to fix it
            }
        }
    }
}
