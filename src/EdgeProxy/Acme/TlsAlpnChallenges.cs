using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EdgeProxy.Acme;

/// <summary>
/// Pending TLS-ALPN-01 answers (RFC 8737) by host: a self-signed certificate with exactly one DNS SAN and the
/// critical acmeIdentifier extension holding SHA-256 of the key authorization, offered only with ALPN acme-tls/1.
/// </summary>
internal sealed class TlsAlpnChallenges
{
    private const string AcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";
    private readonly ConcurrentDictionary<string, SslServerAuthenticationOptions> _pending = new(StringComparer.OrdinalIgnoreCase);

    public bool IsEmpty => _pending.IsEmpty;

    public void Add(string host, string keyAuthorization)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + host, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build());
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization)));
        request.CertificateExtensions.Add(new X509Extension(AcmeIdentifierOid, writer.Encode(), critical: true));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        var certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null); // a key SslStream can use on every platform
        _pending[host] = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, [], offline: true),
            ApplicationProtocols = [new SslApplicationProtocol(TlsAlpnPeekMiddleware.AcmeTls1)],
        };
    }

    public void Remove(string host) => _pending.TryRemove(host, out _);

    public SslServerAuthenticationOptions? Find(string? host) => host is null ? null : _pending.GetValueOrDefault(host);
}
