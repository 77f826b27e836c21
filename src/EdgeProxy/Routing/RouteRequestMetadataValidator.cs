using EdgeProxy.Configuration;
using EdgeProxy.Paths;
using EdgeProxy.RequestHeaders;

namespace EdgeProxy.Routing;

/// <summary>Checks every route's <c>EdgeProxy.Path</c> and <c>EdgeProxy.MethodOverride</c> metadata by its full key.</summary>
internal static class RouteRequestMetadataValidator
{
    public static void Validate(IConfiguration config, ConfigReport report)
    {
        foreach (var route in config.GetSection("ReverseProxy:Routes").GetChildren())
        {
            var metadata = route.GetSection("Metadata");
            if (metadata.GetSection(RoutePathPolicy.MetadataKey) is { Value: { } path } pathKey)
            {
                if (!RoutePathPolicy.IsValid(path))
                {
                    report.Fail(pathKey.Path, $"'{path}' is not {RoutePathPolicy.Canonical} or {RoutePathPolicy.AsSent}");
                }
                else if (RoutePathPolicy.AsSent.Equals(path, StringComparison.OrdinalIgnoreCase))
                {
                    report.Warn(pathKey.Path, "paths with a backslash, a ';' parameter, an encoded control character, an encoded dot segment or a double encoding reach this route's upstream as sent (each only if every reading of it selects this route); make sure the app reads them safely");
                }
            }

            if (metadata.GetSection(RouteMethodOverridePolicy.MetadataKey) is { Value: { } methodOverride } overrideKey)
            {
                if (!RouteMethodOverridePolicy.IsValid(methodOverride))
                {
                    report.Fail(overrideKey.Path, $"'{methodOverride}' is not {RouteMethodOverridePolicy.Strip} or {RouteMethodOverridePolicy.Allow}");
                }
                else if (RouteMethodOverridePolicy.Allow.Equals(methodOverride, StringComparison.OrdinalIgnoreCase))
                {
                    report.Ok(overrideKey.Path, "X-HTTP-Method-Override, X-HTTP-Method and X-Method-Override reach the upstream when the overriding method selects this route too; otherwise 400");
                }
            }
        }
    }
}
