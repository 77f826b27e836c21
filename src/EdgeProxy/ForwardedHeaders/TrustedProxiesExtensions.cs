using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>Registration of trusted-proxy handling: options, the request middleware, YARP transforms, route allowlists.</summary>
internal static class TrustedProxiesExtensions
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<TrustedProxiesOptions>(configuration.GetSection(TrustedProxiesOptions.SectionName));
        services.AddSingleton<TrustedProxiesState>();
        services.AddSingleton<ITransformProvider, ForwardedHeadersTransformProvider>();
        services.AddSingleton<ProxyProtocolConnections>();
        return services;
    }

    /// <summary>Must run before anything reads the client address or a forwarded header.</summary>
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app) => app.UseMiddleware<TrustedProxiesMiddleware>();

    /// <summary>In the YARP pipeline: routes with <c>EdgeProxy.AllowFrom</c> answer 403 to other clients.</summary>
    public static IReverseProxyApplicationBuilder UseClientAllowlist(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<ClientAllowlistMiddleware>();
        return proxy;
    }
}
