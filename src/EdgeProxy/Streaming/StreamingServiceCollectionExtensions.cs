using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.Streaming;

internal static class StreamingServiceCollectionExtensions
{
    /// <summary>
    /// Per-route stream policies (<c>EdgeProxy.StreamPolicy</c>, <c>EdgeProxy.Stream</c>, <c>EdgeProxy:Streaming:Policies</c>). Call after
    /// <c>AddReverseProxy()</c>: it wraps the <see cref="IHttpForwarder"/> YARP registered.
    /// </summary>
    public static IServiceCollection AddStreamingPolicies(this IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IHttpForwarder))
            ?? throw new InvalidOperationException("AddStreamingPolicies() must come after AddReverseProxy().");
        services.Remove(registered);
        services.AddSingleton<StreamingPolicies>();
        services.TryAddSingleton(TimeProvider.System); // every stream timer and clock reading comes from the registered provider
        services.AddSingleton(sp => new ExchangeClock(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<DeadlineSweep>(); // far deadlines of every session; tests add one with a shorter tick after (the last wins)
        services.AddSingleton<IHttpForwarder>(sp => new StreamingForwarder(
            Resolve(sp, registered),
            sp.GetRequiredService<StreamingPolicies>(),
            sp.GetRequiredService<ExchangeClock>(),
            sp.GetRequiredService<DeadlineSweep>(),
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<StreamingForwarder>>(),
            sp.GetRequiredService<Observability.EdgeProxyMetrics>()));
        return services;
    }

    private static IHttpForwarder Resolve(IServiceProvider sp, ServiceDescriptor registered) => registered switch
    {
        { ImplementationInstance: IHttpForwarder instance } => instance,
        { ImplementationFactory: { } factory } => (IHttpForwarder)factory(sp),
        { ImplementationType: { } type } => (IHttpForwarder)ActivatorUtilities.CreateInstance(sp, type),
        _ => throw new InvalidOperationException("Unsupported IHttpForwarder registration."),
    };
}
