using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Authentication;

/// <summary>The issuer is a dependency that fails: down at start, rotating keys, forged kids by the thousand.</summary>
public sealed class IssuerOutageTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task IssuerDownAtStart_ProtectedRoutes503_AnonymousServe_ThenRecoversByItself()
    {
        var key = TestSigningKey.Rsa("k1");
        var port = TestClients.FreePort();
        var authority = $"https://127.0.0.1:{port}/";
        await using var upstream = await TestUpstream.StartEchoAsync();
        await using var proxy = await StartProxyAsync(authority, upstream.Url);
        var token = TestTokens.Sign(key, TestTokens.Claims(authority));
        using var client = proxy.CreateClient();
        await proxy.Logs.WaitForAsync(e => e.Properties.TryGetValue("EventId", out var id) && id.ToString().Contains("701"));

        using (var down = await SendAsync(client, "/api/x", token))
        {
            down.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            down.Headers.RetryAfter.Should().NotBeNull();
            down.Headers.GetValues("Strict-Transport-Security").Should().ContainSingle();
            (await down.Content.ReadAsStringAsync()).Should().NotContain("upstream:");
        }

        using (var anonymous = await SendAsync(client, "/open/x", token))
        {
            anonymous.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using (var noToken = await SendAsync(client, "/api/x", null))
        {
            noToken.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "without a token the answer does not depend on the issuer");
        }

        await using var issuer = await TestIssuer.StartAsync(port, key);
        var recovered = await PollAsync(client, "/api/x", token, HttpStatusCode.OK, TimeSpan.FromSeconds(15));

        recovered.Should().BeTrue("the proxy retries the issuer by itself");
        proxy.Logs.AllText.Should().Contain("cannot fetch discovery or JWKS").And.Contain("tokens are validated");
    }

    [Fact]
    public async Task JwksFailingAtStart_503_ThenRecovers()
    {
        var key = TestSigningKey.Ec("k1");
        await using var issuer = await TestIssuer.StartAsync(0, key);
        issuer.JwksFailing = true;
        await using var upstream = await TestUpstream.StartEchoAsync();
        await using var proxy = await StartProxyAsync(issuer.Url, upstream.Url);
        using var client = proxy.CreateClient(http2: true);
        var token = TestTokens.Sign(key, TestTokens.Claims(issuer.Url));

        using (var down = await SendAsync(client, "/api/x", token))
        {
            down.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        }

        issuer.JwksFailing = false;
        (await PollAsync(client, "/api/x", token, HttpStatusCode.OK, TimeSpan.FromSeconds(15))).Should().BeTrue();
    }

    [Fact]
    public async Task IssuerCertificateNotFromTheCaBundle_503_KeysNeverTrusted()
    {
        var key = TestSigningKey.Ec("k1");
        await using var issuer = await TestIssuer.StartAsync(0, key);
        await using var upstream = await TestUpstream.StartEchoAsync();
        var otherCa = new TestPki("Other").WriteRootPem(Path.Combine(_dir.Path, "other-ca"));
        await using var proxy = await StartProxyAsync(issuer.Url, upstream.Url, caBundle: otherCa);
        using var client = proxy.CreateClient();

        using var response = await SendAsync(client, "/api/x", TestTokens.Sign(key, TestTokens.Claims(issuer.Url)));

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "an issuer whose certificate does not chain to CaBundle is not the issuer");
        issuer.JwksHits.Should().Be(0);
    }

    [Fact]
    public async Task KeyRotation_NewKidAccepted_ForgedKidsDoNotHammerTheIssuer()
    {
        var oldKey = TestSigningKey.Rsa("old");
        await using var issuer = await TestIssuer.StartAsync(0, oldKey);
        await using var upstream = await TestUpstream.StartEchoAsync();
        await using var proxy = await StartProxyAsync(issuer.Url, upstream.Url, refresh: "1m");
        using var client = proxy.CreateClient(http2: true);
        (await SendAsync(client, "/api/a", TestTokens.Sign(oldKey, TestTokens.Claims(issuer.Url)))).StatusCode.Should().Be(HttpStatusCode.OK);

        // Rotation while running: the issuer publishes a new key and signs with it; the unknown kid refreshes the JWKS.
        var newKey = TestSigningKey.Ec("new");
        issuer.Publish(oldKey, newKey);
        var accepted = await PollAsync(client, "/api/b", TestTokens.Sign(newKey, TestTokens.Claims(issuer.Url)), HttpStatusCode.OK, TimeSpan.FromSeconds(10));

        accepted.Should().BeTrue("a token signed with a newly published key is accepted without a restart");
        (await SendAsync(client, "/api/c", TestTokens.Sign(oldKey, TestTokens.Claims(issuer.Url)))).StatusCode.Should().Be(HttpStatusCode.OK, "the old key is still published");

        // Forged kids right after: each is a 401, and none may trigger another fetch within RefreshInterval.
        var before = issuer.JwksHits;
        for (var i = 0; i < 25; i++)
        {
            using var forged = await SendAsync(client, "/api/f", TestTokens.Sign(TestSigningKey.Forger($"forged-{i}"), TestTokens.Claims(issuer.Url)));
            forged.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        output.WriteLine($"JWKS fetches caused by 25 forged kids: {issuer.JwksHits - before}");
        (issuer.JwksHits - before).Should().Be(0);
    }

    [Fact]
    public async Task IssuerGoesDown_CachedKeysKeepValidating()
    {
        var key = TestSigningKey.Rsa("k1");
        var issuer = await TestIssuer.StartAsync(0, key);
        await using var upstream = await TestUpstream.StartEchoAsync();
        await using var proxy = await StartProxyAsync(issuer.Url, upstream.Url);
        using var client = proxy.CreateClient();
        var token = TestTokens.Sign(key, TestTokens.Claims(issuer.Url));
        (await SendAsync(client, "/api/a", token)).StatusCode.Should().Be(HttpStatusCode.OK);

        await issuer.DisposeAsync();

        (await SendAsync(client, "/api/b", token)).StatusCode.Should().Be(HttpStatusCode.OK, "keys already fetched stay trusted while the issuer is away");
        (await SendAsync(client, "/api/c", TestTokens.Sign(TestSigningKey.Forger("k2"), TestTokens.Claims(issuer.Url)))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    private async Task<ProxyInstance> StartProxyAsync(string authority, string upstream, string refresh = "1s", string? caBundle = null)
    {
        var config = new TestConfig(_dir.Path).Cluster("app", upstream);
        AuthFixture.Configure(config, "idp", authority, null, _dir.Path);
        if (caBundle is not null)
        {
            config.Set("EdgeProxy:Authentication:Jwt:idp:CaBundle", caBundle);
        }

        config.Set("EdgeProxy:Authentication:Jwt:idp:RefreshInterval", refresh)
            .Set("EdgeProxy:Authentication:Jwt:idp:MetadataTimeout", "5s")
            .Set("EdgeProxy:Authorization:Policies:api:Scopes", Array.Empty<string>());
        AuthFixture.Route(config, "api", "/api/{**rest}", "api");
        AuthFixture.Route(config, "open", "/open/{**rest}", null);
        return await ProxyInstance.StartAsync(config, output);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        return await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(20));
    }

    private static async Task<bool> PollAsync(HttpClient client, string path, string token, HttpStatusCode expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await SendAsync(client, path, token);
            if (response.StatusCode == expected)
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }
}
