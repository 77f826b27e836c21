using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Authentication;

/// <summary>Tokens minted here, validated by the proxy against a real issuer's JWKS, through real TLS to a real upstream.</summary>
public sealed class JwtEndToEndTests(AuthFixture fixture, ITestOutputHelper output) : IClassFixture<AuthFixture>
{
    private const string Hsts = "max-age=600";

    private TestIssuer Issuer => fixture.Issuer;

    public static TheoryData<string, bool> Rejections()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in new[] { "expired", "not-yet-valid", "wrong-audience", "wrong-issuer", "unknown-key", "wrong-key-same-kid", "alg-none", "hs256-with-public-key", "malformed", "no-exp" })
        {
            data.Add(name, false);
            data.Add(name, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task BadToken_401_InvalidToken_WithDescription_NeverReachesUpstream(string kind, bool http2)
    {
        var (token, description) = BadToken(kind);
        var path = Unique("/any");

        using var response = await SendAsync(path, token, http2);

        output.WriteLine($"{kind}: {(int)response.StatusCode} {response.Headers.WwwAuthenticate}");
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, kind);
        var challenge = response.Headers.WwwAuthenticate.Should().ContainSingle().Subject;
        challenge.Scheme.Should().Be("Bearer");
        challenge.Parameter.Should().Contain("error=\"invalid_token\"").And.MatchRegex("error_description=\"[^\"]+\"");
        challenge.Parameter.Should().Contain(description, kind);
        response.Headers.GetValues("Strict-Transport-Security").Should().Equal(Hsts);
        (await response.Content.ReadAsStringAsync()).Should().StartWith("401 Unauthorized: route 'any': the bearer token was refused: ").And.Contain(description, "the body says what the header says").And.EndWith("\n");
        fixture.Received.Should().NotContainKey(path);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ValidToken_ReachesUpstream_WithIdentityFromClaims_NotFromTheClient(bool http2)
    {
        var claims = Claims();
        claims["email"] = "alice@example.com";
        claims["groups"] = new JsonArray("editors", "stac");
        var token = TestTokens.Sign(fixture.Key, claims);
        var path = Unique("/any");

        using var response = await SendAsync(path, token, http2, spoof: true);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var received = fixture.Received[path];
        received["X-Auth-Request-User"].Should().Be("alice");
        received["X-Auth-Request-Email"].Should().Be("alice@example.com");
        received["X-Auth-Request-Groups"].Should().Be("editors,stac");
        received.Should().NotContainKey("X-Auth-Request-Access-Token").And.NotContainKey("X-Auth-Request-Preferred-Username").And.NotContainKey("X_Auth_Request_User");
        received["Authorization"].Should().Be("Bearer " + token, "the route passes Authorization by default");
    }

    [Fact]
    public async Task Es256Token_IsAccepted()
    {
        using var response = await SendAsync(Unique("/any"), TestTokens.Sign(fixture.EcKey, Claims()));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task NoToken_401_BearerChallengeWithoutErrorCode()
    {
        var path = Unique("/any");

        using var response = await SendAsync(path, token: null);

        // RFC 6750 §3.1: a request without credentials gets no error code.
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Should().ContainSingle().Which.ToString().Should().Be("Bearer");
        response.Headers.GetValues("Strict-Transport-Security").Should().Equal(Hsts);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        (await response.Content.ReadAsStringAsync()).Should().Be("401 Unauthorized: route 'any': a bearer token is required (Authorization: Bearer <token>)\n");
        fixture.Received.Should().NotContainKey(path);
    }

    [Fact]
    public async Task BasicCredentials_401()
    {
        var path = Unique("/any");
        using var client = fixture.Proxy.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Basic", "YWxpY2U6cHc=") } };

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        fixture.Received.Should().NotContainKey(path);
    }

    [Theory]
    [InlineData("/writer", "scope", "stac:read", false, "policy 'writer': scopes stac:write required")]
    [InlineData("/writer", "scope", "stac:read stac:write", true, null)]
    [InlineData("/writer", "scp", "stac:write", true, null)]
    [InlineData("/admin", "roles", "viewer", false, "policy 'admin': one of the roles admin required")]
    [InlineData("/admin", "roles", "admin", true, null)]
    [InlineData("/verified", "email_verified", "false", false, "policy 'verified': claim 'email_verified' must be one of true")]
    [InlineData("/verified", "email_verified", "true", true, null)]
    public async Task ValidToken_PolicyDecides_403WithoutReachingUpstream(string route, string claim, string value, bool allowed, string? why)
    {
        var claims = Claims();
        claims[claim] = claim == "email_verified" ? JsonValue.Create(bool.Parse(value)) : claim == "roles" ? new JsonArray(value) : value;
        var path = Unique(route);

        using var response = await SendAsync(path, TestTokens.Sign(fixture.Key, claims), http2: allowed);

        if (allowed)
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            fixture.Received.Should().ContainKey(path);
            return;
        }

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Headers.WwwAuthenticate.Should().ContainSingle().Which.Parameter.Should().Contain("error=\"insufficient_scope\"");
        response.Headers.GetValues("Strict-Transport-Security").Should().Equal(Hsts);
        (await response.Content.ReadAsStringAsync()).Should().Be($"403 Forbidden: route '{route.TrimStart('/')}': the token does not satisfy {why}\n", "the body names the condition, never the token's values");
        fixture.Received.Should().NotContainKey(path);
    }

    [Fact]
    public async Task AnonymousRoute_ServesWithoutToken_IgnoresGarbageToken_StripsSpoofedIdentity()
    {
        var path = Unique("/open");

        using var response = await SendAsync(path, "not.a.token", spoof: true);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var received = fixture.Received[path];
        received.Keys.Should().NotContain(k => k.StartsWith("X-Auth-Request-", StringComparison.OrdinalIgnoreCase) || k.StartsWith("X_Auth_Request_", StringComparison.OrdinalIgnoreCase));
        received["Authorization"].Should().Be("Bearer not.a.token", "an anonymous route leaves Authorization to the upstream");
    }

    [Fact]
    public async Task DefaultPolicy_ProtectsRoutesWithoutAPolicy_AndUnknownPaths()
    {
        var path = Unique("/defaulted");

        using var without = await SendAsync(path, token: null);
        using var unknown = await SendAsync(Unique("/no-such-route"), token: null);
        using var with = await SendAsync(path, TestTokens.Sign(fixture.Key, Claims()));

        without.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        unknown.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await unknown.Content.ReadAsStringAsync()).Should().Be("401 Unauthorized: a bearer token is required (Authorization: Bearer <token>)\n", "no route to name");
        with.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task StripRoute_UpstreamNeverSeesAuthorization()
    {
        var path = Unique("/strip");

        using var response = await SendAsync(path, TestTokens.Sign(fixture.Key, Claims()));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        fixture.Received[path].Should().NotContainKey("Authorization");
    }

    [Theory]
    [InlineData("GET", false, HttpStatusCode.OK)]
    [InlineData("POST", false, HttpStatusCode.Unauthorized)]
    [InlineData("DELETE", false, HttpStatusCode.Unauthorized)]
    [InlineData("POST", true, HttpStatusCode.OK)]
    public async Task MethodRoutes_PublicReads_AuthenticatedWrites(string method, bool withToken, HttpStatusCode expected)
    {
        using var response = await SendAsync(Unique("/items"), withToken ? TestTokens.Sign(fixture.Key, Claims()) : null, method: new HttpMethod(method));

        response.StatusCode.Should().Be(expected);
    }

    [Fact]
    public async Task InternalMetadataAddress_TokensCarryThePublicIssuer()
    {
        using var publicIss = await SendAsync(Unique("/public-issuer"), TestTokens.Sign(fixture.Key, TestTokens.Claims(TestIssuer.PublicIssuer)));
        using var internalIss = await SendAsync(Unique("/public-issuer"), TestTokens.Sign(fixture.Key, TestTokens.Claims(Issuer.Url)));

        publicIss.StatusCode.Should().Be(HttpStatusCode.OK);
        internalIss.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        internalIss.Headers.WwwAuthenticate.Single().Parameter.Should().Contain("issuer");
    }

    [Fact]
    public async Task HostileClaimValues_401_WithAWellFormedHeader()
    {
        var claims = Claims();
        claims["iss"] = "https://evil.example/\"\r\nX-Injected: 1";

        using var response = await SendAsync(Unique("/any"), TestTokens.Sign(fixture.Key, claims));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.Contains("X-Injected").Should().BeFalse();
        response.Headers.WwwAuthenticate.Single().Parameter.Should().Contain("error=\"invalid_token\"");
    }

    private JsonObject Claims() => TestTokens.Claims(Issuer.Url);

    private (string Token, string Description) BadToken(string kind)
    {
        var key = fixture.Key;
        return kind switch
        {
            "expired" => (TestTokens.Sign(key, TestTokens.Claims(Issuer.Url, expiresIn: TimeSpan.FromMinutes(-10))), "expired"),
            "not-yet-valid" => (TestTokens.Sign(key, TestTokens.Claims(Issuer.Url, notBeforeIn: TimeSpan.FromMinutes(10))), "not valid before"),
            "wrong-audience" => (TestTokens.Sign(key, TestTokens.Claims(Issuer.Url, audience: "another-api")), "audience is not accepted"),
            "wrong-issuer" => (TestTokens.Sign(key, TestTokens.Claims("https://evil.example/")), "issuer"),
            "unknown-key" => (TestTokens.Sign(TestSigningKey.Forger("never-published"), Claims()), "signature key was not found"),
            "wrong-key-same-kid" => (TestTokens.Sign(TestSigningKey.Forger(key.Kid), Claims()), "signature"),
            "alg-none" => (TestTokens.AlgNone(Claims(), key.Kid), "The signature is invalid"),
            "hs256-with-public-key" => (TestTokens.HmacWithPublicKey(key, Claims()), "The signature is invalid"),
            "malformed" => ("eyJhbGciOi.not-base64!.x", "malformed"),
            "no-exp" => (TestTokens.Sign(key, WithoutExp(Claims())), "expiration"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static JsonObject WithoutExp(JsonObject claims)
    {
        claims.Remove("exp");
        return claims;
    }

    private static string Unique(string route) => $"{route}/{Guid.NewGuid():N}";

    private async Task<HttpResponseMessage> SendAsync(string path, string? token, bool http2 = false, bool spoof = false, HttpMethod? method = null)
    {
        using var client = fixture.Proxy.CreateClient(http2: http2);
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        if (spoof)
        {
            request.Headers.Add("X-Auth-Request-User", "mallory");
            request.Headers.Add("x-auth-request-email", "mallory@example.com");
            request.Headers.Add("X-Auth-Request-Groups", "admins");
            request.Headers.Add("X-Auth-Request-Access-Token", "forged");
            request.Headers.Add("X-Auth-Request-Preferred-Username", "root");
            request.Headers.Add("X_Auth_Request_User", "mallory"); // the spelling CGI-style servers fold into the same variable
        }

        var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(20));
        return response;
    }
}
