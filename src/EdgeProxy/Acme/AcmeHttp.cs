using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Tls;

namespace EdgeProxy.Acme;

/// <summary>The HttpClient for the CA's API: system roots, plus <c>CaBundle</c> roots for a private CA.</summary>
internal static class AcmeHttp
{
    public static HttpClient CreateClient(string? caBundle, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            SslOptions = { CertificateChainPolicy = OutboundTls.ChainPolicy() }, // never a download inside a handshake (OutboundTls)
        };
        if (caBundle is not null)
        {
            // Extra roots for a private CA, trusted for the ACME API only: never the machine store.
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caBundle);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == System.Net.Security.SslPolicyErrors.None)
                {
                    return true;
                }

                if (certificate is null || (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain { ChainPolicy = OutboundTls.ChainPolicy(roots) };
                return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            };
        }

        return new HttpClient(handler) { Timeout = timeout };
    }
}
