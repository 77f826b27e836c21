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

    /// <summary>Synchronous part, run inside the handshake: chain, dates, EKU.</summary>
    public (ClientCertificateVerdict Verdict, X509Certificate2? Issuer) ValidateChain(X509Certificate2 leaf, X509Certificate2Collection sent)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust.Roots);
        chain.ChainPolicy.ExtraStore.AddRange(trust.Intermediates);
        chain.ChainPolicy.ExtraStore.AddRange(sent);
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // ours: CRL files and OCSP with our own rules
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = DateTime.Now;
        if (chain.Build(leaf))
        {
            var issuer = chain.ChainElements.Count > 1 ? chain.ChainElements[1].Certificate : leaf;
            return (new ClientCertificateVerdict(true, "SUCCESS", issuer), issuer);
        }

        var reason = Reason(chain, leaf);
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

    private static string Reason(X509Chain chain, X509Certificate2 leaf)
    {
        var flags = X509ChainStatusFlags.NoError;
        foreach (var status in chain.ChainStatus)
        {
            flags |= status.Status;
        }

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
