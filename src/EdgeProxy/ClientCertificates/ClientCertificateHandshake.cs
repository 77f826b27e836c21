using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Tls;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// Asks for a client certificate during the handshake (TLS 1.3 and HTTP/2 cannot renegotiate later),
/// validates it, and records the verdict on the connection. <c>RequireCertificate</c> refuses a handshake
/// without a valid certificate — chain, dates, EKU and revocation, as nginx's <c>ssl_verify_client on</c> with
/// <c>ssl_crl</c>/<c>ssl_ocsp</c> does. <c>AllowCertificate</c> lets it through, as nginx's
/// <c>ssl_verify_client optional</c> does, and routes decide.
/// </summary>
/// <remarks>
/// The callback is synchronous, so it decides only what is in memory: the chain, a CRL verdict, an OCSP answer
/// already cached for the certificate. An OCSP request still on its way is not waited for here — that would hold a
/// thread-pool thread for up to the OCSP timeout per handshake — but by <see cref="ClientCertificateConnectionGate"/>,
/// which awaits it after the handshake and closes the connection before any request is read. The client sees the
/// same either way on .NET 10 on Linux: SslStream runs this callback once OpenSSL has finished the handshake and, on
/// false, closes the connection without a TLS alert (alerts from this callback come with dotnet/runtime#115996).
/// </remarks>
internal sealed partial class ClientCertificateHandshake(ClientCertificateValidator validator, IHostApplicationLifetime lifetime, ILogger<ClientCertificateHandshake> logger)
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
            CertificateChainPolicy = validator.HandshakePolicy(), // SslStream's one chain build is ours
            RemoteCertificateValidationCallback = (_, certificate, chain, _) => Validate(certificate, chain, require, connection),
        };
    }

    private bool Validate(X509Certificate? certificate, X509Chain? chain, bool require, ConnectionContext connection)
    {
        if (certificate is null)
        {
            connection.Features.Set(ClientCertificateState.NotPresented);
            if (require)
            {
                Log.Refused(logger, Listener(connection), "-", "-", "NONE");
            }

            return !require;
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var (chainVerdict, issuer) = chain is null ? validator.ValidateChain(leaf, []) : validator.Verdict(chain, leaf);
        var sent = Sent(chain, leaf);
        if (require && !chainVerdict.Valid)
        {
            Log.Refused(logger, Listener(connection), leaf.Subject, leaf.SerialNumber, chainVerdict.Verify);
            return false;
        }

        var verdict = validator.CompleteAsync(leaf, chainVerdict, issuer, lifetime.ApplicationStopping);
        if (require && verdict.IsCompleted)
        {
            var outcome = verdict.IsCompletedSuccessfully ? verdict.Result : ClientCertificateVerdict.Failed("revocation check cancelled");
            if (!outcome.Valid)
            {
                Log.Refused(logger, Listener(connection), leaf.Subject, leaf.SerialNumber, outcome.Verify);
                return false;
            }
        }
        else if (require)
        {
            Log.Deferred(logger, Listener(connection), leaf.Subject, leaf.SerialNumber);
        }

        connection.Features.Set(new ClientCertificateState(leaf, sent, verdict, require));
        return true;
    }

    /// <summary>The certificates the client sent after its leaf: SslStream appends them to the policy's configured intermediates.</summary>
    private X509Certificate2[] Sent(X509Chain? chain, X509Certificate2 leaf)
    {
        var store = chain?.ChainPolicy.ExtraStore;
        if (store is null || store.Count <= validator.ConfiguredIntermediates)
        {
            return [];
        }

        var sent = new List<X509Certificate2>(store.Count - validator.ConfiguredIntermediates);
        for (var i = validator.ConfiguredIntermediates; i < store.Count; i++)
        {
            if (!store[i].RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
            {
                sent.Add(store[i]);
            }
        }

        return [.. sent];
    }

    private static string Listener(ConnectionContext connection) => connection.Features.Find<ListenerFeature>()?.Name ?? "-";

    private static partial class Log
    {
        [LoggerMessage(EventIds.ClientCertificateRefusedInHandshake, LogLevel.Information, "TLS handshake on {Endpoint} refused (RequireCertificate): client certificate {Subject} serial {Serial}: {Verify}")]
        public static partial void Refused(ILogger logger, string endpoint, string subject, string serial, string verify);

        [LoggerMessage(EventIds.ClientCertificateVerdictDeferred, LogLevel.Debug, "TLS handshake on {Endpoint}: the OCSP status of {Subject} serial {Serial} is on its way; the connection waits for it before any request is read")]
        public static partial void Deferred(ILogger logger, string endpoint, string subject, string serial);
    }
}
