namespace EdgeProxy.Retries;

internal static class RetryServiceCollectionExtensions
{
    /// <summary>Holding and retrying (<c>EdgeProxy:Retries</c>, cluster and route metadata <c>EdgeProxy.TryDuration</c> ...), and the error page it ends with.</summary>
    public static IServiceCollection AddUpstreamRetries(this IServiceCollection services)
    {
        services.AddSingleton<RetryPolicies>();
        services.AddSingleton<ClusterWatches>();
        services.AddSingleton<ErrorPages.UpstreamErrorPage>();
        return services;
    }

    /// <summary>In YARP's pipeline before session affinity and load balancing, which it runs again for every try.</summary>
    public static IReverseProxyApplicationBuilder UseUpstreamRetries(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<RetryMiddleware>();
        return proxy;
    }
}
