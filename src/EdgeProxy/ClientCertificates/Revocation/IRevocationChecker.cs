using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// Decides whether a client leaf is revoked, given its already-validated issuer. Implementations honour
/// <see cref="RevocationMode"/>, CRL files reloaded on change, and OCSP with timeout, cache and SoftFail.
/// Called once per TLS connection that presents a certificate; must be thread-safe.
/// </summary>
internal interface IRevocationChecker
{
    ValueTask<RevocationResult> CheckAsync(X509Certificate2 leaf, X509Certificate2 issuer, CancellationToken cancellationToken);
}
