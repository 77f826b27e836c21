using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.Authentication;

/// <summary>The HTTP handler JwtBearer fetches discovery and JWKS with: the system roots, or only a configured CA bundle.</summary>
internal static class IssuerBackchannel
{
    public static HttpMessageHandler CreateHandler(JwtSchemeOptions settings, string contentRoot)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5), // follow DNS changes of the issuer
            AllowAutoRedirect = false,
        };
        if (settings.CaBundle is { Length: > 0 } bundle)
        {
            // Custom root trust: the issuer's certificate must chain to the bundle; the machine store is not consulted.
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(LoadBundle(ResolvePath(bundle, contentRoot)));
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        return handler;
    }

    public static string ResolvePath(string path, string contentRoot) => Path.IsPathRooted(path) ? path : Path.Combine(contentRoot, path);

    public static X509Certificate2Collection LoadBundle(string path)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return certificates;
    }
}
