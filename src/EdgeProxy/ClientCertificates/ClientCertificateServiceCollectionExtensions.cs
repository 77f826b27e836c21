using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeProxy.ClientCertificates;

internal static class ClientCertificateServiceCollectionExtensions
{
    /// <summary>Client-certificate handling over <see cref="ClientCertificateOptions"/>, which the model binds (AddEdgeProxyOptions).</summary>
    public static IServiceCollection AddClientCertificates(this IServiceCollection services, string contentRoot)
    {
        services.AddSingleton(sp => new TrustedCaBundle(
            sp.GetRequiredService<IOptions<ClientCertificateOptions>>().Value.TrustedCaFiles.Select(f => Path.GetFullPath(f, contentRoot))));
        services.AddSingleton<ClientCertificateValidator>();
        services.AddSingleton<ClientCertificateHandshake>();
        services.AddSingleton<ClientCertificateConnectionGate>();
        services.AddSingleton<ITransformProvider, ClientCertificateTransformProvider>();
        return services;
    }
}
