using EdgeProxy.Tls;

namespace EdgeProxy.Acme;

internal static class AcmeServiceCollectionExtensions
{
    /// <summary>
    /// Registers the ACME certificate source the listeners consult (empty when <paramref name="settings"/> is
    /// null) and, when ACME is on, the challenge answers and the background issuer.
    /// </summary>
    public static IServiceCollection AddAcmeCertificates(this IServiceCollection services, AcmeSettings? settings)
    {
        services.AddSingleton(sp => new AcmeCertificates(settings, sp.GetRequiredService<CertificateStore>(), sp.GetRequiredService<ILogger<AcmeCertificates>>()));
        if (settings is null)
        {
            services.AddSingleton(new Http01Challenges(null));
            services.AddSingleton(new TlsAlpnChallenges(null));
            return services;
        }

        var storage = new AcmeStorage(settings.StoragePath, settings.DirectoryUrl);
        services.AddSingleton(storage);
        services.AddSingleton(new Http01Challenges(storage));
        services.AddSingleton(new TlsAlpnChallenges(storage)); // answers any replica sharing the folder can give
        services.AddSingleton<AcmeStatus>();
        services.AddSingleton(sp => new Admin.AdminEndpoint("/acme", sp.GetRequiredService<AcmeStatus>().WriteAsync)); // per-host state for operators
        services.AddSingleton(sp => new Admin.ReadinessDetail(sp.GetRequiredService<AcmeStatus>().DescribeLines)); // the same, a line per host under /readyz
        services.AddHostedService<AcmeService>();
        return services;
    }

    /// <summary>HTTP-01 answers on plain-HTTP listeners; place before the HTTPS redirect.</summary>
    public static IApplicationBuilder UseAcmeChallenges(this IApplicationBuilder app) => app.UseMiddleware<AcmeChallengeMiddleware>();
}
