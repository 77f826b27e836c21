using EdgeProxy.Configuration;
using EdgeProxy.Paths;
using EdgeProxy.Proxy;
using EdgeProxy.RequestHeaders;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Routing;

/// <summary>Each route as YARP read it: its <c>EdgeProxy.Path</c> and <c>EdgeProxy.MethodOverride</c> metadata, by full key.</summary>
internal static class RouteRequestMetadataCheck
{
    public static void Check(IEnumerable<RouteConfig> routes, ConfigReport report)
    {
        foreach (var route in routes)
        {
            var key = $"{ReverseProxyConfigValidator.SectionName}:Routes:{route.RouteId}:Metadata:";
            if (route.Metadata?.GetValueOrDefault(RoutePathPolicy.MetadataKey) is { } path)
            {
                if (!RoutePathPolicy.IsValid(path))
                {
                    report.Fail(key + RoutePathPolicy.MetadataKey, $"'{path}' is not {RoutePathPolicy.Canonical} or {RoutePathPolicy.AsSent}");
                }
                else if (RoutePathPolicy.AsSent.Equals(path, StringComparison.OrdinalIgnoreCase))
                {
                    report.Warn(key + RoutePathPolicy.MetadataKey, "paths with a backslash, a ';' parameter, an encoded control character, an encoded dot segment or a double encoding reach this route's upstream as sent (each only if every reading of it selects this route); make sure the app reads them safely");
                }
            }

            if (route.Metadata?.GetValueOrDefault(RouteMethodOverridePolicy.MetadataKey) is { } methodOverride)
            {
                if (!RouteMethodOverridePolicy.IsValid(methodOverride))
                {
                    report.Fail(key + RouteMethodOverridePolicy.MetadataKey, $"'{methodOverride}' is not {RouteMethodOverridePolicy.Strip} or {RouteMethodOverridePolicy.Allow}");
                }
                else if (RouteMethodOverridePolicy.Allow.Equals(methodOverride, StringComparison.OrdinalIgnoreCase))
                {
                    report.Ok(key + RouteMethodOverridePolicy.MetadataKey, "X-HTTP-Method-Override, X-HTTP-Method and X-Method-Override reach the upstream when the overriding method selects this route too; otherwise 400");
                }
            }
        }
    }
}
