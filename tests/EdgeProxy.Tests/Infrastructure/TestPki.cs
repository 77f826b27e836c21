using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// One PKI per test run: a root, an intermediate, and leaves issued by the intermediate. Trust goes
/// through <see cref="X509ChainPolicy.CustomTrustStore"/> only, never the machine store.
/// </summary>
public sealed class TestPki
{
    private static readonly Lazy<TestPki> Shared = new(() => new TestPki("EdgeProxy Test"));

    private readonly ECDsa _intermediateKey;

    public TestPki(string name)
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest($"CN={name} Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        Root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-2), DateTimeOffset.UtcNow.AddYears(5));

        _intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest($"CN={name} Intermediate", _intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        intermediateRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intermediateRequest.PublicKey, false));
        intermediateRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        using var intermediate = intermediateRequest.Create(Root, DateTimeOffset.UtcNow.AddYears(-1), DateTimeOffset.UtcNow.AddYears(4), RandomSerial());
        Intermediate = intermediate.CopyWithPrivateKey(_intermediateKey);
    }

    public static TestPki Instance => Shared.Value;

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    /// <summary>A server leaf for the names given (DNS names or IP addresses), issued by the intermediate; an ECDSA P-256 key unless <paramref name="rsa"/>.</summary>
    public X509Certificate2 IssueServer(string commonName, IEnumerable<string> names, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, bool rsa = false)
    {
        using var rsaKey = rsa ? RSA.Create(2048) : null;
        var key = rsa ? null : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = rsaKey is not null
            ? new CertificateRequest($"CN={commonName}", rsaKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest($"CN={commonName}", key!, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | (rsa ? X509KeyUsageFlags.KeyEncipherment : 0), true)); // RSA: usable for RSA key exchange, should a server allow it
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Intermediate, true, false));
        var start = notBefore ?? DateTimeOffset.UtcNow.AddHours(-1);
        var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(90);
        using var cert = rsaKey is not null // the ECDSA intermediate signs the RSA leaf through a generator
            ? request.Create(Intermediate.SubjectName, X509SignatureGenerator.CreateForECDsa(_intermediateKey), start, end, RandomSerial())
            : request.Create(Intermediate, start, end, RandomSerial());
        return rsaKey is not null ? cert.CopyWithPrivateKey(rsaKey) : cert.CopyWithPrivateKey(key!);
    }

    /// <summary>A client leaf issued by the intermediate; <paramref name="clientAuth"/> false leaves out the client-auth EKU.</summary>
    public X509Certificate2 IssueClient(string subject, bool clientAuth = true, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, string[]? dnsNames = null, string[]? uris = null) =>
        IssueClient(new X500DistinguishedName(subject), clientAuth, notBefore, notAfter, dnsNames, uris);

    public X509Certificate2 IssueClient(X500DistinguishedName subject, bool clientAuth = true, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, string[]? dnsNames = null, string[]? uris = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(clientAuth ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.4")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Intermediate, true, false));
        if (dnsNames is not null || uris is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var dns in dnsNames ?? [])
            {
                san.AddDnsName(dns);
            }

            foreach (var uri in uris ?? [])
            {
                san.AddUri(new Uri(uri));
            }

            request.CertificateExtensions.Add(san.Build());
        }

        using var cert = request.Create(Intermediate, notBefore ?? DateTimeOffset.UtcNow.AddHours(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(30), RandomSerial());
        return cert.CopyWithPrivateKey(key);
    }

    /// <summary>Root and intermediate in one PEM bundle: what operators list in TrustedCaFiles.</summary>
    public string WriteCaBundle(string directory, bool includeIntermediate = true)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, includeIntermediate ? "ca-bundle.pem" : "ca-root.pem");
        File.WriteAllText(path, Root.ExportCertificatePem() + "\n" + (includeIntermediate ? Intermediate.ExportCertificatePem() + "\n" : string.Empty));
        return path;
    }

    /// <summary>Writes leaf + intermediate (the chain a CA hands out) and the key as PEM; returns the paths.</summary>
    public (string CertPath, string KeyPath) WritePem(X509Certificate2 leaf, string directory, string name, bool includeChain = true)
    {
        Directory.CreateDirectory(directory);
        var certPath = Path.Combine(directory, name + ".crt.pem");
        var keyPath = Path.Combine(directory, name + ".key.pem");
        var pem = leaf.ExportCertificatePem() + "\n" + (includeChain ? Intermediate.ExportCertificatePem() + "\n" : string.Empty);
        File.WriteAllText(certPath, pem);
        File.WriteAllText(keyPath, ((AsymmetricAlgorithm?)leaf.GetECDsaPrivateKey() ?? leaf.GetRSAPrivateKey())!.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }

    /// <summary>Writes a PFX with the leaf, its key and the intermediate.</summary>
    public string WritePfx(X509Certificate2 leaf, string directory, string name, string? password)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".pfx");
        var collection = new X509Certificate2Collection { leaf, X509CertificateLoader.LoadCertificate(Intermediate.RawData) };
        File.WriteAllBytes(path, collection.Export(X509ContentType.Pkcs12, password)!);
        return path;
    }

    public string WriteRootPem(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "root.pem");
        File.WriteAllText(path, Root.ExportCertificatePem() + "\n");
        return path;
    }

    /// <summary>
    /// Chain validation against this PKI's root only, using only the certificates the server sent
    /// (<paramref name="sent"/>) with downloads off: a server that omits its intermediate fails.
    /// </summary>
    public bool Validates(X509Certificate2 leaf, X509Certificate2Collection sent)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ExtraStore.AddRange(sent);
        return chain.Build(leaf);
    }

    /// <summary>For a TLS client callback: the peer's certificate chains to the shared test PKI, whatever name it carries.</summary>
    public static bool Validates(X509Certificate? certificate, X509Chain? chain) =>
        certificate is not null && Instance.Validates(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), chain?.ChainPolicy.ExtraStore ?? []);

    private static byte[] RandomSerial() => RandomNumberGenerator.GetBytes(16);
}
