using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>Registration of trusted-proxy handling: YARP transforms, route allowlists (the options are bound with the model, AddEdgeProxyOptions).</summary>
internal static class TrustedProxiesExtensions
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services)
    {
        services.AddSingleton<TrustedProxiesState>();
        services.AddSingleton<ITransformProvider, ForwardedHeadersTransformProvider>();
        services.AddSingleton<ProxyProtocolConnections>();
        return services;
    }

    /// <summary>In the YARP pipeline: routes with <c>EdgeProxy.AllowFrom</c> answer 403 to other clients.</summary>
    public static IReverseProxyApplicationBuilder UseClientAllowlist(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<ClientAllowlistMiddleware>();
        return proxy;
    }
}
