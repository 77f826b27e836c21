using EdgeProxy.Acme;
using EdgeProxy.Admin;
using EdgeProxy.Authentication;
using EdgeProxy.ClientCertificates;
using EdgeProxy.Hsts;
using EdgeProxy.Proxy;
using EdgeProxy.Streaming;
using EdgeProxy.Tls;

namespace EdgeProxy.Configuration;

/// <summary>
/// Every validator, in one pass that never stops at the first problem. The same pass serves
/// <c>EdgeProxy check</c>, the start-up gate and each configuration reload.
/// </summary>
internal static class ConfigChecker
{
    public static ConfigCheckResult Check(IConfiguration config, string contentRoot, ConfigReport? report = null)
    {
        report ??= new ConfigReport();
        EdgeProxyOptionsValidator.Validate(config, contentRoot, report);
        var endpoints = ListenerValidator.Validate(config, contentRoot, report);
        HttpsRedirectOptionsValidator.Validate(config, endpoints, report);
        HstsOptionsValidator.Validate(config, endpoints, report);
        Observability.ObservabilityOptionsValidator.Validate(config, report);
        ClientCertificateOptionsValidator.Validate(config, contentRoot, endpoints, report);
        ClientCertificates.Revocation.RevocationOptionsValidator.Validate(config, contentRoot, report);
        var admin = AdminOptionsValidator.Validate(config, report);
        AuthenticationConfigValidator.Validate(config, contentRoot, report);
        ReverseProxyConfigValidator.Validate(config, report, AuthenticationConfigValidator.AddRouteValidation(config) + RateLimiting.RateLimitingValidator.AddRouteValidation(config));
        ForwardedHeaders.TrustedProxiesOptionsValidator.Validate(config, endpoints, report);
        RequestHeaders.RequestHeaderOptionsValidator.Validate(config, report);
        Routing.RouteRequestMetadataValidator.Validate(config, report);
        StreamingValidator.Validate(config, report);
        RateLimiting.RateLimitingValidator.Validate(config, report);
        Retries.RetryConfigValidator.Validate(config, report);
        var acme = AcmeOptionsValidator.Validate(config, contentRoot, endpoints, report); // null when off or failing
        return new ConfigCheckResult(report, endpoints, admin, acme);
    }
}

internal sealed record ConfigCheckResult(ConfigReport Report, IReadOnlyList<EndpointSpec> Endpoints, IReadOnlyList<BindingAddress> AdminAddresses, AcmeSettings? Acme = null);
