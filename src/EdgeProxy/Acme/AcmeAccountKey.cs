using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace EdgeProxy.Acme;

/// <summary>The account's ECDSA P-256 key: ES256 signatures (IEEE P1363, r‖s) and the RFC 7638 JWK thumbprint.</summary>
internal sealed class AcmeAccountKey : IDisposable
{
    private readonly ECDsa _key;

    public AcmeAccountKey(ECDsa key)
    {
        _key = key;
        var p = key.ExportParameters(includePrivateParameters: false);
        // Members in lexicographic order, no whitespace: exactly what RFC 7638 hashes.
        Jwk = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{Base64Url.EncodeToString(p.Q.X)}\",\"y\":\"{Base64Url.EncodeToString(p.Q.Y)}\"}}";
        Thumbprint = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(Jwk)));
    }

    public string Jwk { get; }

    public string Thumbprint { get; }

    public static AcmeAccountKey Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static AcmeAccountKey FromPem(string pem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return new AcmeAccountKey(key);
    }

    public string ExportPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>The key authorization a challenge answers with: token "." thumbprint.</summary>
    public string KeyAuthorization(string token) => token + "." + Thumbprint;

    public string Sign(string protectedB64, string payloadB64) =>
        Base64Url.EncodeToString(_key.SignData(Encoding.ASCII.GetBytes(protectedB64 + "." + payloadB64), HashAlgorithmName.SHA256));

    public void Dispose() => _key.Dispose();
}
