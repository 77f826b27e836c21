using EdgeProxy.ClientCertificates;

namespace EdgeProxy.RequestHeaders;

/// <summary>Registration of the inbound header pass: the strip list, its options and the pass itself.</summary>
internal static class RequestHeadersExtensions
{
    /// <summary>Its options are bound with the rest of the model (AddEdgeProxyOptions).</summary>
    public static IServiceCollection AddRequestHeaderRules(this IServiceCollection services)
    {
        services.AddSingleton<StripRulesState>();
        services.AddSingleton<TrustedCertificateIntake>();
        return services;
    }

    /// <summary>First in the proxy pipeline: before the allowlist, the tries and the health checks.</summary>
    public static IReverseProxyApplicationBuilder UseUnsendableHeaderRefusal(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<UnsendableHeaderMiddleware>();
        return proxy;
    }

    /// <summary>Must run before anything reads the client address or any request header.</summary>
    public static IApplicationBuilder UseInboundHeaders(this IApplicationBuilder app) => app.UseMiddleware<InboundHeadersMiddleware>();
}
