using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.ClientCertificates;

/// <summary>The client-certificate keys of a route's metadata.</summary>
internal static class RouteClientCertificatePolicy
{
    public const string RequirementKey = Proxy.RouteMetadataKeys.ClientCert;
    public const string ForwardKey = Proxy.RouteMetadataKeys.ClientCertForward;

    public static ClientCertRequirement Requirement(RouteConfig route) =>
        route.Metadata?.TryGetValue(RequirementKey, out var text) == true && Enum.TryParse<ClientCertRequirement>(text, ignoreCase: true, out var value)
            ? value
            : ClientCertRequirement.Optional;

    public static ForwardFormat? Forward(RouteConfig route) =>
        route.Metadata?.TryGetValue(ForwardKey, out var text) == true && Enum.TryParse<ForwardFormat>(text, ignoreCase: true, out var value)
            ? value
            : null;
}
