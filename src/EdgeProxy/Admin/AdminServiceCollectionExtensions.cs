using EdgeProxy.Observability;
using EdgeProxy.Tls;
using Microsoft.AspNetCore.Connections;

namespace EdgeProxy.Admin;

internal static class AdminServiceCollectionExtensions
{
    /// <summary>
    /// The admin listener (<c>EdgeProxy:Admin:Urls</c>) as a server of its own: <c>/metrics</c>, then
    /// <c>/healthz</c>, <c>/readyz</c> and what features add (<see cref="AdminEndpoint"/>). It outlives the
    /// public listeners' drain, so readiness reads 503 until the last in-flight request is done.
    /// </summary>
    public static IServiceCollection AddAdminListener(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ReadinessState>();
        services.AddHostedService(sp => new AdminServer(
            sp.GetRequiredService<ListenerBinder>(),
            sp.GetRequiredService<IConnectionListenerFactory>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<IHttpContextFactory>(),
            sp,
            admin =>
            {
                admin.UseMiddleware<AdminHostMiddleware>(); // 421 for a Host that is no address, localhost or allowed name (DNS rebinding)
                admin.UseAdminMetrics(configuration); // Prometheus /metrics
                admin.UseMiddleware<AdminMiddleware>(); // /healthz /readyz and features' paths; 404 otherwise
            }));
        return services;
    }
}
