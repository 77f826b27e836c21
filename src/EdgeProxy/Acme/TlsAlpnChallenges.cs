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
/// The key authorization is also written to the storage folder, so a replica sharing it answers a validation
/// for an order another replica placed (the CA may reach any replica behind the address).
/// </summary>
internal sealed class TlsAlpnChallenges(AcmeStorage? storage = null)
{
    private const string AcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";
    private readonly ConcurrentDictionary<string, SslServerAuthenticationOptions> _pending = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, (string KeyAuthorization, SslServerAuthenticationOptions Options)> _replicas = new(StringComparer.OrdinalIgnoreCase);
    private readonly StoredChallengeWatch? _stored = storage is null ? null : new StoredChallengeWatch(storage.TlsAlpnDirectory);

    /// <summary>True when no answer is pending here or in storage: then ClientHellos are not even peeked at.</summary>
    public bool IsEmpty => _pending.IsEmpty && _stored?.AnyStored() != true;

    public void Add(string host, string keyAuthorization)
    {
        _pending[host] = Create(host, keyAuthorization);
        storage?.WriteTlsAlpnChallenge(host, keyAuthorization);
    }

    public void Remove(string host)
    {
        _pending.TryRemove(host, out _);
        storage?.DeleteTlsAlpnChallenge(host);
    }

    public SslServerAuthenticationOptions? Find(string? host)
    {
        if (host is null)
        {
            return null;
        }

        if (_pending.TryGetValue(host, out var own))
        {
            return own;
        }

        // Another replica's order: read per validation handshake (rare), build the certificate once per answer.
        if (storage?.ReadTlsAlpnChallenge(host) is not { } keyAuthorization)
        {
            _replicas.TryRemove(host, out _);
            return null;
        }

        if (_replicas.TryGetValue(host, out var cached) && cached.KeyAuthorization == keyAuthorization)
        {
            return cached.Options;
        }

        var options = Create(host, keyAuthorization);
        _replicas[host] = (keyAuthorization, options);
        return options;
    }

    private static SslServerAuthenticationOptions Create(string host, string keyAuthorization)
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
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, [], offline: true),
            ApplicationProtocols = [new SslApplicationProtocol(TlsAlpnPeekMiddleware.AcmeTls1)],
        };
    }
}
