using Microsoft.Extensions.Options;

namespace EdgeProxy.ClientCertificates.Revocation;

internal static class RevocationServiceCollectionExtensions
{
    /// <summary>
    /// Over <see cref="RevocationOptions"/> (bound from <c>EdgeProxy:ClientCertificates</c> with the model, AddEdgeProxyOptions), registers one
    /// <see cref="IRevocationChecker"/> for the process. CRL paths resolve against the content root. The options
    /// are read once at start: changing the mode or the list of CRL files needs a restart (the files themselves reload).
    /// </summary>
    public static IServiceCollection AddRevocationChecking(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var contentRoot = sp.GetService<IHostEnvironment>()?.ContentRootPath ?? Directory.GetCurrentDirectory();
            return RevocationSettings.From(sp.GetRequiredService<IOptions<RevocationOptions>>().Value, contentRoot);
        });
        services.AddSingleton(sp => RevocationChecker.Create(
            sp.GetRequiredService<RevocationSettings>(), sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IRevocationChecker>(sp => sp.GetRequiredService<RevocationChecker>());
        return services;
    }
}
