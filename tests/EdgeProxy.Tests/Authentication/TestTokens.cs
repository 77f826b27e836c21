using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace EdgeProxy.Tests.Authentication;

/// <summary>
/// JWTs written by hand (header.payload.signature), so the test controls every byte an attacker could and
/// does not share token code with the proxy it tests.
/// </summary>
public static class TestTokens
{
    public const string Audience = "edge-api";

    public static JsonObject Claims(string issuer, string audience = Audience, TimeSpan? expiresIn = null, TimeSpan? notBeforeIn = null, string sub = "alice")
    {
        var now = DateTimeOffset.UtcNow;
        var claims = new JsonObject
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["sub"] = sub,
            ["iat"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["exp"] = now.Add(expiresIn ?? TimeSpan.FromMinutes(10)).ToUnixTimeSeconds(),
        };
        if (notBeforeIn is { } nbf)
        {
            claims["nbf"] = now.Add(nbf).ToUnixTimeSeconds();
        }

        return claims;
    }

    public static string Sign(TestSigningKey key, JsonObject claims, string? kid = null)
    {
        var signingInput = Encode(Header(key.Alg, kid ?? key.Kid)) + "." + Encode(claims);
        return signingInput + "." + WebEncoders.Base64UrlEncode(key.Sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary><c>alg: none</c> with an empty signature.</summary>
    public static string AlgNone(JsonObject claims, string kid) => Encode(Header("none", kid)) + "." + Encode(claims) + ".";

    /// <summary>HS256 keyed with the public key's PEM: accepted by verifiers that let the token pick the algorithm.</summary>
    public static string HmacWithPublicKey(TestSigningKey key, JsonObject claims)
    {
        var signingInput = Encode(Header("HS256", key.Kid)) + "." + Encode(claims);
        var mac = HMACSHA256.HashData(Encoding.ASCII.GetBytes(key.PublicKeyPem), Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + WebEncoders.Base64UrlEncode(mac);
    }

    private static JsonObject Header(string alg, string kid) => new() { ["alg"] = alg, ["typ"] = "JWT", ["kid"] = kid };

    private static string Encode(JsonObject json) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(json.ToJsonString()));
}
