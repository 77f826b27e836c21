using EdgeProxy.Configuration;
using EdgeProxy.Proxy;
using EdgeProxy.Tls;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// Each route's <c>EdgeProxy.ClientCert</c> and <c>EdgeProxy.ClientCert.Forward</c>, as YARP read the route: names,
/// never numbers; and a route that requires a certificate where no listener asks for one is a WARN.
/// </summary>
internal static class ClientCertificateRouteCheck
{
    public static void Check(IEnumerable<RouteConfig> routes, IReadOnlyList<EndpointSpec> endpoints, ConfigReport report)
    {
        var anyRequired = false;
        foreach (var route in routes)
        {
            var key = $"{ReverseProxyConfigValidator.SectionName}:Routes:{route.RouteId}:Metadata";
            anyRequired |= Read<ClientCertRequirement>(route, RouteClientCertificatePolicy.RequirementKey, key, report) == ClientCertRequirement.Required;
            Read<ForwardFormat>(route, RouteClientCertificatePolicy.ForwardKey, key, report);
        }

        if (anyRequired && ClientCertificateOptionsValidator.Asking(endpoints).Count == 0)
        {
            report.Warn("Kestrel:Endpoints", "a route requires a client certificate but no endpoint sets ClientCertificateMode: those routes will always answer 403");
        }
    }

    private static T? Read<T>(RouteConfig route, string name, string key, ConfigReport report)
        where T : struct, Enum
    {
        if (route.Metadata?.TryGetValue(name, out var text) != true || text is null)
        {
            return null;
        }

        if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !text.Trim().All(char.IsAsciiDigit))
        {
            return value;
        }

        report.Fail($"{key}:{name}", $"'{text}' is not one of {string.Join(", ", Enum.GetNames<T>())}");
        return null;
    }
}
