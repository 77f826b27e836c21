using System.Net;
using System.Text.Json.Nodes;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Authentication;

/// <summary>Policies reload with the file, together with the routes that name them.</summary>
public sealed class PolicyReloadTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task EditedPolicy_AndNewRouteWithNewPolicy_ApplyWithoutRestart()
    {
        var key = TestSigningKey.Ec("k1");
        await using var issuer = await TestIssuer.StartAsync(0, key);
        await using var upstream = await TestUpstream.StartEchoAsync();
        var config = new TestConfig(_dir.Path).Cluster("app", upstream.Url);
        AuthFixture.Configure(config, "idp", issuer.Url, null, _dir.Path);
        config.Set("EdgeProxy:Authorization:Policies:p1:Scopes", new[] { "a" });
        AuthFixture.Route(config, "api", "/api/{**rest}", "p1");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();
        var claims = TestTokens.Claims(issuer.Url);
        claims["scope"] = "b";
        claims["roles"] = new JsonArray("ops");
        var token = TestTokens.Sign(key, claims);
        (await SendAsync(client, "/api/x", token)).Should().Be(HttpStatusCode.Forbidden);

        config.Set("EdgeProxy:Authorization:Policies:p1:Scopes", new[] { "b" }).Set("EdgeProxy:Authorization:Policies:p2:Roles", new[] { "ops" })
            .Set("EdgeProxy:Authentication:Jwt:idp:ClockSkew", "30s");
        AuthFixture.Route(config, "ops", "/ops/{**rest}", "p2");
        proxy.WriteConfig();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline && (await SendAsync(client, "/ops/x", token) != HttpStatusCode.OK || await SendAsync(client, "/api/x", token) != HttpStatusCode.OK))
        {
            await Task.Delay(200);
        }

        (await SendAsync(client, "/api/x", token)).Should().Be(HttpStatusCode.OK);
        (await SendAsync(client, "/ops/x", token)).Should().Be(HttpStatusCode.OK);
        (await SendAsync(client, "/ops/x", null)).Should().Be(HttpStatusCode.Unauthorized);
        await proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("take effect on restart"));
    }

    [Fact]
    public async Task ReloadedPolicyNamingASchemeNotYetRunning_DeniesUntilRestart()
    {
        var key = TestSigningKey.Ec("k1");
        await using var issuer = await TestIssuer.StartAsync(0, key);
        await using var upstream = await TestUpstream.StartEchoAsync();
        var config = new TestConfig(_dir.Path).Cluster("app", upstream.Url);
        AuthFixture.Configure(config, "idp", issuer.Url, null, _dir.Path);
        AuthFixture.Route(config, "api", "/api/{**rest}", "Default");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();
        var token = TestTokens.Sign(key, TestTokens.Claims(issuer.Url));

        AuthFixture.Configure(config, "later", issuer.Url, null, _dir.Path);
        config.Set("EdgeProxy:Authorization:Policies:p-later:Schemes", new[] { "later" });
        AuthFixture.Route(config, "later", "/later/{**rest}", "p-later");
        proxy.WriteConfig();
        await proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("does not run"), TimeSpan.FromSeconds(15));

        (await SendAsync(client, "/later/x", token)).Should().Be(HttpStatusCode.Forbidden);
        (await SendAsync(client, "/later/x", null)).Should().Be(HttpStatusCode.Unauthorized);
        (await SendAsync(client, "/api/x", token)).Should().Be(HttpStatusCode.OK);
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        using var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(20));
        return response.StatusCode;
    }
}
