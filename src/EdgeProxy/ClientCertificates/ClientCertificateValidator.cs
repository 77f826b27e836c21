using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.ClientCertificates.Revocation;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// Chain building against <c>TrustedCaFiles</c> only (custom root trust, no downloads), validity dates,
/// the client-authentication EKU, then revocation. Failure reasons are OpenSSL's wording, which is what
/// nginx puts after <c>FAILED:</c>.
/// </summary>
internal sealed class ClientCertificateValidator(TrustedCaBundle trust, IRevocationChecker revocation, Observability.EdgeProxyMetrics metrics)
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly X509ChainPolicy _policy = CreatePolicy(trust);

    /// <summary>
    /// The policy SslStream builds the client's chain with during the handshake, so that build is the only one (without
    /// it SslStream builds one against the machine store, and we a second). A copy per connection: SslStream adds the
    /// certificates the client sent to its ExtraStore, after the configured intermediates.
    /// </summary>
    public X509ChainPolicy HandshakePolicy() => _policy.Clone();

    /// <summary>How many configured intermediates head the ExtraStore of a <see cref="HandshakePolicy"/> chain.</summary>
    public int ConfiguredIntermediates => trust.Intermediates.Count;

    /// <summary>Builds the chain for a certificate that did not come through a handshake (a trusted proxy's header).</summary>
    public (ClientCertificateVerdict Verdict, X509Certificate2? Issuer) ValidateChain(X509Certificate2 leaf, X509Certificate2Collection sent)
    {
        using var chain = new X509Chain { ChainPolicy = HandshakePolicy() };
        chain.ChainPolicy.ExtraStore.AddRange(sent);
        chain.Build(leaf);
        return Verdict(chain, leaf);
    }

    /// <summary>
    /// The verdict of a chain already built with <see cref="HandshakePolicy"/> (SslStream's, in the handshake). SslStream
    /// disposes the chain's element certificates after its callback, so the issuer returned is the same certificate
    /// from the policy's stores (configured CAs or what the client sent), which outlive the handshake.
    /// </summary>
    public (ClientCertificateVerdict Verdict, X509Certificate2? Issuer) Verdict(X509Chain chain, X509Certificate2 leaf)
    {
        var flags = X509ChainStatusFlags.NoError;
        foreach (var status in chain.ChainStatus)
        {
            flags |= status.Status;
        }

        if (flags == X509ChainStatusFlags.NoError && chain.ChainElements.Count > 0 && chain.ChainElements[0].Certificate.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
        {
            var issuer = chain.ChainElements.Count > 1 ? Lasting(chain.ChainElements[1].Certificate, chain.ChainPolicy) : leaf;
            return (new ClientCertificateVerdict(true, "SUCCESS", issuer), issuer);
        }

        var reason = Reason(flags, leaf);
        metrics.ClientCertificateFailure(reason);
        return (ClientCertificateVerdict.Failed(reason), null);
    }

    /// <summary>The rest of the verdict once the chain is known: revocation, which may go to the network.</summary>
    public async Task<ClientCertificateVerdict> CompleteAsync(X509Certificate2 leaf, ClientCertificateVerdict verdict, X509Certificate2? issuer, CancellationToken cancellationToken)
    {
        if (!verdict.Valid || issuer is null)
        {
            return verdict;
        }

        var result = await revocation.CheckAsync(leaf, issuer, cancellationToken);
        if (result.Status == RevocationStatus.Good)
        {
            return verdict;
        }

        var reason = result.Status == RevocationStatus.Revoked ? "certificate revoked" : "unable to get certificate CRL or OCSP status";
        metrics.ClientCertificateFailure(reason);
        return ClientCertificateVerdict.Failed(result.Status == RevocationStatus.Revoked ? reason : reason + ": " + result.Reason);
    }

    private static X509Certificate2 Lasting(X509Certificate2 element, X509ChainPolicy policy)
    {
        var raw = element.RawDataMemory.Span;
        foreach (var store in (X509Certificate2Collection[])[policy.ExtraStore, policy.CustomTrustStore])
        {
            foreach (var candidate in store)
            {
                if (candidate.RawDataMemory.Span.SequenceEqual(raw))
                {
                    return candidate;
                }
            }
        }

        return X509CertificateLoader.LoadCertificate(raw);
    }

    private static X509ChainPolicy CreatePolicy(TrustedCaBundle trust)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck, // ours: CRL files and OCSP with our own rules
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.AddRange(trust.Roots);
        policy.ExtraStore.AddRange(trust.Intermediates);
        policy.ApplicationPolicy.Add(ClientAuthentication);
        return policy;
    }

    private static string Reason(X509ChainStatusFlags flags, X509Certificate2 leaf)
    {
        var now = DateTime.Now;
        return flags switch
        {
            _ when (flags & X509ChainStatusFlags.NotTimeValid) != 0 => leaf.NotBefore > now ? "certificate is not yet valid" : "certificate has expired",
            _ when (flags & X509ChainStatusFlags.NotSignatureValid) != 0 => "certificate signature failure",
            _ when (flags & (X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.UntrustedRoot)) != 0 =>
                leaf.SubjectName.RawData.AsSpan().SequenceEqual(leaf.IssuerName.RawData) ? "self-signed certificate" : "unable to get local issuer certificate",
            _ when (flags & (X509ChainStatusFlags.NotValidForUsage | X509ChainStatusFlags.InvalidPolicyConstraints)) != 0 => "unsuitable certificate purpose",
            _ when (flags & X509ChainStatusFlags.InvalidBasicConstraints) != 0 => "invalid CA certificate",
            _ => "certificate verify failed: " + flags,
        };
    }
}
