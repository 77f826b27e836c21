using EdgeProxy.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeProxy.Admin.Status;

internal static class StatusServiceCollectionExtensions
{
    /// <summary>
    /// The status page on the admin listener (<c>/</c>, <c>/status.json</c>): reachable wherever the admin listener is
    /// (loopback by default) and nowhere else. <paramref name="reloads"/> is the instance the config file layer writes to.
    /// </summary>
    public static IServiceCollection AddStatusPage(this IServiceCollection services, ConfigReloadOutcome reloads)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(reloads);
        services.AddSingleton<UpstreamFailureLog>();
        services.AddSingleton<TrafficHistory>();
        services.AddHostedService(sp => sp.GetRequiredService<TrafficHistory>());
        services.AddSingleton(sp => new StatusCollector(
            sp.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>(),
            sp.GetRequiredService<Tls.CertificateStore>(),
            sp.GetRequiredService<Tls.ListenerBinder>(),
            sp.GetRequiredService<ReadinessState>(),
            sp.GetRequiredService<TrafficHistory>(),
            sp.GetRequiredService<UpstreamFailureLog>(),
            reloads,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Streaming.StreamingPolicies>(),
            sp.GetService<Acme.AcmeStatus>()));
        services.AddSingleton<StatusEndpoints>();
        foreach (var path in new[] { "/", StatusEndpoints.JsonPath, "/status.js", "/status.css" })
        {
            services.AddSingleton(sp => sp.GetRequiredService<StatusEndpoints>().All().First(e => e.Path == path));
        }

        return services;
    }
}
