using System.Diagnostics.CodeAnalysis;
using EdgeProxy.Authentication;
using EdgeProxy.ClientCertificates;
using EdgeProxy.Hsts;
using EdgeProxy.RateLimiting;
using EdgeProxy.Streaming;
using EdgeProxy.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeProxy.Configuration;

/// <summary>
/// The one place the configuration binder is called: its reflection binder, which honours each property's
/// <c>[TypeConverter]</c> (<see cref="Duration"/>'s "2s", <see cref="TlsVersionCollection"/>). Its source generator does
/// not, and would silently leave such keys at their defaults, so it is not used. In a native-AOT build the types it
/// reads are kept whole (<see cref="Hosting.Trimming"/>), and the dictionary types it fills in place are kept here.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = Hosting.Trimming.RootedAssemblies)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Every generic type the binder makes is named in the options types (kept whole) or below.")]
internal static class ReflectionBinder
{
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(Dictionary<string, string>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(Dictionary<string, string[]>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(Dictionary<string, EndpointClientCertificateOptions>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(Dictionary<string, HstsHostOptions>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(Dictionary<string, JwtSchemeOptions>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(Dictionary<string, ListenerEndpointOptions>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(Dictionary<string, ListenerTlsOptions>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(Dictionary<string, RateLimitPolicyOptions>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(Dictionary<string, RoutePolicyOptions>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(Dictionary<string, StreamPolicyOptions>))]
    public static T? Get<T>(IConfiguration section) => section.Get<T>();

    public static void Register<T>(IServiceCollection services, IConfiguration section)
        where T : class => services.AddOptions<T>().Bind(section);

    /// <summary>The Kestrel section's Limits and AddServerHeader, which Kestrel itself does not read from the file.</summary>
    public static void RegisterKestrel(IServiceCollection services, IConfiguration section) =>
        services.Configure<KestrelServerOptions>(section);
}
