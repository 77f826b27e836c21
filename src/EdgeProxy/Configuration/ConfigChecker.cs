using EdgeProxy.Acme;
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
        UnknownKeyCheck.Check(config, report);
        var bindable = ValueCheck.Check(config, report);
        Observability.SerilogSinkCheck.Check(config, report);
        var endpoints = EndpointReader.Read(BoundOptions.Get<ListenerOptions>(bindable), contentRoot, new ConfigReport()); // ListenerOptionsValidator reports on them
        var authorization = BoundOptions.Get<EdgeProxyAuthorizationOptions>(bindable);
        var rateLimits = BoundOptions.Get<RateLimiting.RateLimitingOptions>(bindable);
        var refused = report.Failures.Select(f => f.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var proxyReport = new ConfigReport(); // read first (ACME's validator takes the routes' hosts), printed after the options
        var (routes, clusters) = ReverseProxyConfigValidator.Validate(bindable, proxyReport,
            AuthorizationRouteCheck.AddRouteValidation(authorization) + RateLimiting.RateLimitingOptionsValidator.AddRouteValidation(rateLimits));
        OptionsCheck.Check(bindable, new ConfigContext(contentRoot, () => endpoints) { Routes = () => routes }, report);
        report.Add(proxyReport, except: refused); // a refused value YARP then saw missing is not reported twice
        var admin = ListenerPlan.Others(config).Admin; // AdminOptionsValidator reported its problems through OptionsCheck
        AuthorizationRouteCheck.Check(routes, authorization, EdgeProxyAuthenticationOptionsValidator.SchemeNames(bindable), report);
        ForwardedHeaders.ForwardedRouteCheck.Check(routes, report);
        HstsRouteCheck.Check(routes, report);
        ClientCertificateRouteCheck.Check(routes, endpoints, report);
        StreamingRouteCheck.Check(BoundOptions.Get<StreamingOptions>(bindable), StreamingOptionsValidator.KestrelBodyLimit(bindable), routes, report);
        RateLimiting.RateLimitRouteCheck.Check(rateLimits, !string.IsNullOrEmpty(authorization.DefaultPolicy), routes, report);
        Routing.RouteRequestMetadataCheck.Check(routes, report);
        Retries.RetryRouteCheck.Check(BoundOptions.Get<Retries.RetryOptions>(bindable), routes, clusters, report);
        // AcmeOptionsValidator reported through OptionsCheck; the settings only when nothing about ACME failed (a value ValueCheck refused included)
        var acme = report.Failures.Any(f => f.Key.StartsWith(AcmeOptions.SectionName, StringComparison.OrdinalIgnoreCase))
            ? null
            : AcmeOptionsValidator.Resolve(BoundOptions.Get<AcmeOptions>(bindable), bindable, contentRoot, endpoints, routes, new ConfigReport());
        return new ConfigCheckResult(report, endpoints, admin, acme) { Routes = routes, Clusters = clusters };
    }
}

internal sealed record ConfigCheckResult(ConfigReport Report, IReadOnlyList<EndpointSpec> Endpoints, IReadOnlyList<BindingAddress> AdminAddresses, AcmeSettings? Acme = null)
{
    /// <summary>The routes as YARP read them (none when the ReverseProxy section could not be read).</summary>
    public IReadOnlyList<Yarp.ReverseProxy.Configuration.RouteConfig> Routes { get; init; } = [];

    /// <summary>The clusters as YARP read them (none when the ReverseProxy section could not be read).</summary>
    public IReadOnlyList<Yarp.ReverseProxy.Configuration.ClusterConfig> Clusters { get; init; } = [];
}
