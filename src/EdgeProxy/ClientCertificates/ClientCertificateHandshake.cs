using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// Asks for a client certificate during the handshake (TLS 1.3 and HTTP/2 cannot renegotiate later),
/// validates it, and records the verdict on the connection. <c>RequireCertificate</c> refuses a
/// handshake without a valid certificate; <c>AllowCertificate</c> lets it through, as nginx's
/// <c>ssl_verify_client optional</c> does, and routes decide.
/// </summary>
internal sealed class ClientCertificateHandshake(ClientCertificateValidator validator, IHostApplicationLifetime lifetime)
{
    public SslServerAuthenticationOptions CreateOptions(SslServerAuthenticationOptions template, ClientCertificateMode mode, ConnectionContext connection)
    {
        var require = mode == ClientCertificateMode.RequireCertificate;
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = template.ServerCertificateContext,
            EnabledSslProtocols = template.EnabledSslProtocols,
            ApplicationProtocols = template.ApplicationProtocols,
            CipherSuitesPolicy = template.CipherSuitesPolicy,
            AllowRenegotiation = false,
            ClientCertificateRequired = true,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                if (certificate is null)
                {
                    connection.Features.Set(ClientCertificateState.NotPresented);
                    return !require;
                }

                var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                var sent = new X509Certificate2Collection();
                foreach (var element in chain?.ChainPolicy.ExtraStore ?? [])
                {
                    if (!element.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
                    {
                        sent.Add(element);
                    }
                }

                var (chainVerdict, issuer) = validator.ValidateChain(leaf, sent);
                if (require && !chainVerdict.Valid)
                {
                    return false;
                }

                var verdict = validator.CompleteAsync(leaf, chainVerdict, issuer, lifetime.ApplicationStopping);
                connection.Features.Set(new ClientCertificateState(leaf, [.. sent], verdict));
                return true;
            },
        };
    }
}
