using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Tls;

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
        // With a CaBundle the issuer's certificate must chain to it; the machine store is not consulted. Never a download (OutboundTls).
        handler.SslOptions.CertificateChainPolicy = OutboundTls.ChainPolicy(settings.CaBundle is { Length: > 0 } bundle ? LoadBundle(ResolvePath(bundle, contentRoot)) : null);
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
