using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeProxy.ClientCertificates;

internal static class ClientCertificateServiceCollectionExtensions
{
    public static IServiceCollection AddClientCertificates(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.Configure<ClientCertificateOptions>(configuration.GetSection(ClientCertificateOptions.SectionName));
        services.AddSingleton(sp => new TrustedCaBundle(
            sp.GetRequiredService<IOptions<ClientCertificateOptions>>().Value.TrustedCaFiles.Select(f => Path.GetFullPath(f, contentRoot))));
        services.AddSingleton<ClientCertificateValidator>();
        services.AddSingleton<ClientCertificateHandshake>();
        services.AddSingleton<ClientCertificateConnectionGate>();
        services.AddSingleton<ITransformProvider, ClientCertificateTransformProvider>();
        return services;
    }
}
