using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.Tls;

/// <summary>
/// A leaf with its private key and the intermediates to send, as one <see cref="SslStreamCertificateContext"/>
/// built once (offline, so handshakes never fetch the chain) and shared by every handshake until the files change.
/// </summary>
internal sealed class LoadedCertificate(X509Certificate2 leaf, X509Certificate2Collection intermediates)
{
    public X509Certificate2 Leaf { get; } = leaf;

    public X509Certificate2Collection Intermediates { get; } = intermediates;

    public SslStreamCertificateContext Context { get; } = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);

    public DateTimeOffset NotBefore => new(Leaf.NotBefore.ToUniversalTime());

    public DateTimeOffset NotAfter => new(Leaf.NotAfter.ToUniversalTime());

    public string Sha256Fingerprint => Leaf.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);

    public string Describe() => $"{Leaf.Subject} (SHA-256 {Sha256Fingerprint}, expires {NotAfter:yyyy-MM-dd HH:mm}Z)";
}
