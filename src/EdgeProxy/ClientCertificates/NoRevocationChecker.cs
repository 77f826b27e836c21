using System.Security.Cryptography.X509Certificates;
using EdgeProxy.ClientCertificates.Revocation;

namespace EdgeProxy.ClientCertificates;

/// <summary>Used while <c>Revocation</c> is None: every certificate is "not checked" (check WARNs about it).</summary>
internal sealed class NoRevocationChecker : IRevocationChecker
{
    public ValueTask<RevocationResult> CheckAsync(X509Certificate2 leaf, X509Certificate2 issuer, CancellationToken cancellationToken) =>
        ValueTask.FromResult(RevocationResult.NotChecked);
}
