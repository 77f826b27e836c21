using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.Tests.ClientCertificates.Revocation;

/// <summary>
/// A PKI for revocation tests: a root, an ECDSA and an RSA intermediate (both may sign CRLs), a delegated OCSP
/// responder, and client leaves whose AIA names an OCSP URL. CRLs come from .NET's CertificateRevocationListBuilder.
/// </summary>
public sealed class RevocationPki
{
    private static readonly Lazy<RevocationPki> Shared = new(() => new RevocationPki("Revocation Test"));

    public RevocationPki(string name)
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = CaRequest($"CN={name} Root", rootKey);
        Root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-2), DateTimeOffset.UtcNow.AddYears(5));
        Intermediate = IssueCa($"CN={name} Intermediate EC", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        IntermediateRsa = IssueCa($"CN={name} Intermediate RSA", RSA.Create(2048));
        OcspResponder = IssueLeaf(Intermediate, "OCSP Responder", null, "1.3.6.1.5.5.7.3.9");
        NotAResponder = IssueLeaf(Intermediate, "Not An OCSP Responder", null, "1.3.6.1.5.5.7.3.2");
    }

    public static RevocationPki Instance => Shared.Value;

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    public X509Certificate2 IntermediateRsa { get; }

    /// <summary>Issued by <see cref="Intermediate"/> with id-kp-OCSPSigning: may sign its OCSP responses.</summary>
    public X509Certificate2 OcspResponder { get; }

    /// <summary>Issued by <see cref="Intermediate"/> with client-auth only: must not be trusted for OCSP.</summary>
    public X509Certificate2 NotAResponder { get; }

    /// <summary>A client leaf issued by <paramref name="issuer"/>; AIA names <paramref name="ocspUrl"/> when given.</summary>
    public static X509Certificate2 IssueLeaf(X509Certificate2 issuer, string commonName, string? ocspUrl = null, string eku = "1.3.6.1.5.5.7.3.2")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (ocspUrl is not null)
        {
            request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension([ocspUrl], null));
        }

        using var cert = request.Create(issuer.SubjectName, Signer(issuer), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30), Serial());
        return cert.CopyWithPrivateKey(key);
    }

    /// <summary>16 random bytes whose first byte needs no sign padding, so openssl's index and ours spell it alike.</summary>
    public static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)(0x10 + (serial[0] % 0x60));
        return serial;
    }

    /// <summary>A CRL signed by <paramref name="issuer"/> (which holds its key) listing <paramref name="revoked"/>.</summary>
    public static byte[] BuildCrl(X509Certificate2 issuer, IEnumerable<X509Certificate2> revoked, DateTimeOffset? nextUpdate = null, DateTimeOffset? thisUpdate = null, HashAlgorithmName? hash = null, int crlNumber = 1, IEnumerable<byte[]>? serials = null)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var cert in revoked)
        {
            builder.AddEntry(cert, DateTimeOffset.UtcNow.AddMinutes(-5), X509RevocationReason.KeyCompromise);
        }

        foreach (var serial in serials ?? [])
        {
            builder.AddEntry(serial, DateTimeOffset.UtcNow.AddMinutes(-5));
        }

        var padding = issuer.GetRSAPrivateKey() is null ? null : RSASignaturePadding.Pkcs1;
        return builder.Build(issuer, new BigInteger(crlNumber), nextUpdate ?? DateTimeOffset.UtcNow.AddDays(7), hash ?? HashAlgorithmName.SHA256, padding, thisUpdate ?? DateTimeOffset.UtcNow.AddMinutes(-1));
    }

    /// <summary>Signs with the issuer's key whatever its algorithm (CertificateRequest.Create(issuer) needs them to match).</summary>
    public static X509SignatureGenerator Signer(X509Certificate2 issuer) =>
        issuer.GetRSAPrivateKey() is { } rsa
            ? X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1)
            : X509SignatureGenerator.CreateForECDsa(issuer.GetECDsaPrivateKey()!);

    public static string Pem(byte[] crl) => new string(PemEncoding.Write("X509 CRL", crl)) + "\n";

    private X509Certificate2 IssueCa(string subject, AsymmetricAlgorithm key)
    {
        var request = CaRequest(subject, key);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        // The generator overload lets an EC root sign an RSA intermediate.
        using var rootKey = Root.GetECDsaPrivateKey()!;
        using var cert = request.Create(Root.SubjectName, X509SignatureGenerator.CreateForECDsa(rootKey), DateTimeOffset.UtcNow.AddYears(-1), DateTimeOffset.UtcNow.AddYears(4), Serial());
        return key switch
        {
            ECDsa ec => cert.CopyWithPrivateKey(ec),
            RSA rsa => cert.CopyWithPrivateKey(rsa),
            _ => throw new NotSupportedException(),
        };
    }

    private static CertificateRequest CaRequest(string subject, AsymmetricAlgorithm key)
    {
        var request = key is RSA rsa
            ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request;
    }
}
