using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace EdgeProxy.Tests.Authentication;

/// <summary>A signing key made in the test, published as a JWK by <see cref="TestIssuer"/> and used by <see cref="TestTokens"/>.</summary>
public sealed class TestSigningKey
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ec;

    private TestSigningKey(string kid, RSA? rsa, ECDsa? ec)
    {
        Kid = kid;
        _rsa = rsa;
        _ec = ec;
    }

    public string Kid { get; }

    public string Alg => _rsa is not null ? "RS256" : "ES256";

    private static readonly RSA ForgerRsa = RSA.Create(2048);

    public static TestSigningKey Rsa(string kid) => new(kid, RSA.Create(2048), null);

    /// <summary>An RSA key the issuer never published, under any kid (one key, made once: RSA key generation is slow).</summary>
    public static TestSigningKey Forger(string kid) => new(kid, ForgerRsa, null);

    public static TestSigningKey Ec(string kid) => new(kid, null, ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>The public key as PEM: what an attacker feeds HMAC in the algorithm-confusion attack.</summary>
    public string PublicKeyPem => _rsa?.ExportSubjectPublicKeyInfoPem() ?? _ec!.ExportSubjectPublicKeyInfoPem();

    public JsonObject Jwk()
    {
        if (_rsa is not null)
        {
            var p = _rsa.ExportParameters(false);
            return new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = Kid, ["n"] = B64(p.Modulus!), ["e"] = B64(p.Exponent!) };
        }

        var q = _ec!.ExportParameters(false);
        return new JsonObject { ["kty"] = "EC", ["use"] = "sig", ["alg"] = "ES256", ["kid"] = Kid, ["crv"] = "P-256", ["x"] = B64(q.Q.X!), ["y"] = B64(q.Q.Y!) };
    }

    public byte[] Sign(byte[] data) => _rsa is not null
        ? _rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
        : _ec!.SignData(data, HashAlgorithmName.SHA256); // IEEE P1363 r||s, as JWS wants

    private static string B64(byte[] bytes) => WebEncoders.Base64UrlEncode(bytes);
}
