using EdgeProxy.Configuration;
using EdgeProxy.Proxy;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// Each route as YARP read it: <c>EdgeProxy.AllowFrom</c> must parse (an entry that does not would trust the wrong
/// clients), and YARP's own forwarded-header transforms are ignored because EdgeProxy writes those headers.
/// </summary>
internal static class ForwardedRouteCheck
{
    public static void Check(IEnumerable<RouteConfig> routes, ConfigReport report)
    {
        foreach (var route in routes)
        {
            var key = $"{ReverseProxyConfigValidator.SectionName}:Routes:{route.RouteId}";
            if (route.Metadata?.TryGetValue(ClientAllowlistMiddleware.MetadataKey, out var list) == true)
            {
                var allowKey = $"{key}:Metadata:{ClientAllowlistMiddleware.MetadataKey}";
                var errors = new List<string>();
                var parsed = TrustedNetworks.Parse(list, errors);
                foreach (var error in errors)
                {
                    report.Fail(allowKey, error);
                }

                if (errors.Count == 0 && parsed.IsEmpty)
                {
                    report.Fail(allowKey, "empty: it would refuse everyone; remove the key to allow everyone, or list networks");
                }
            }

            for (var i = 0; i < (route.Transforms?.Count ?? 0); i++)
            {
                foreach (var name in route.Transforms![i].Keys.Where(k => k.Equals("X-Forwarded", StringComparison.OrdinalIgnoreCase) || k.Equals("Forwarded", StringComparison.OrdinalIgnoreCase)))
                {
                    report.Warn($"{key}:Transforms:{i}", $"'{name}' transform ignored: EdgeProxy writes the forwarded headers itself from {TrustedProxiesOptions.SectionName}");
                }
            }
        }
    }
}
