using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using EdgeProxy.Tests.Authentication;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Samples;

/// <summary>
/// samples/stac-auth-proxy/appsettings.json in front of a stand-in STAC API, with a real OIDC issuer whose discovery
/// is fetched from its internal address (OIDC_DISCOVERY_INTERNAL_URL) while tokens carry its public URL: reads are
/// public, writes need a token with stac:write, and nothing refused reaches the API.
/// </summary>
public sealed class StacAuthProxySampleTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private readonly TempDirectory _dir = new();
    private readonly TestSigningKey _key = TestSigningKey.Rsa("stac-1");
    private readonly ConcurrentQueue<(string Method, string Path, string? User)> _received = new();
    private TestIssuer _issuer = null!;
    private TestUpstream _stac = null!;
    private ProxyInstance _proxy = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TestIssuer.StartAsync(0, _key);
        _stac = await TestUpstream.StartAsync(app => app.MapFallback((HttpContext context) =>
        {
            _received.Enqueue((context.Request.Method, context.Request.Path.Value!, context.Request.Headers["X-Auth-Request-User"].FirstOrDefault()));
            return Results.Json(new { type = "FeatureCollection", features = Array.Empty<object>() });
        }));
        var config = SampleConfig.Load("stac-auth-proxy", _dir.Path, output,
            ("EdgeProxy:Authentication:Jwt:keycloak:Authority", TestIssuer.PublicIssuer),
            ("EdgeProxy:Authentication:Jwt:keycloak:MetadataAddress", _issuer.InternalMetadataAddress),
            ("EdgeProxy:Authentication:Jwt:keycloak:CaBundle", TestPki.Instance.WriteRootPem(_dir.Combine("ca"))),
            ("ReverseProxy:Clusters:stac:Destinations:api:Address", _stac.Url));
        _proxy = await ProxyInstance.StartAsync(config, output);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _stac.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    [Fact]
    public void Check_PassesWithoutWarnings_OnceTheFilesExist() => SampleConfig.CheckPasses(_proxy.Config, output);

    [Fact]
    public async Task Read_IsPublic()
    {
        using var client = _proxy.CreateClient();
        using var response = await client.GetAsync("/collections/sentinel-2/items").WaitAsync(Bound);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        _received.Should().ContainSingle(r => r.Method == "GET" && r.Path == "/collections/sentinel-2/items");
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task Write_WithoutAToken_Is401_AndNeverReachesTheApi(string method)
    {
        using var client = _proxy.CreateClient();
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/collections/sentinel-2/items") { Content = new StringContent("{}") }).WaitAsync(Bound);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().Should().StartWith("Bearer");
        _received.Should().BeEmpty();
    }

    [Fact]
    public async Task Write_WithATokenLackingStacWrite_Is403()
    {
        var token = TestTokens.Sign(_key, TestTokens.Claims(TestIssuer.PublicIssuer, audience: "stac-api"));

        using var response = await PostAsync(token);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        _received.Should().BeEmpty();
    }

    [Fact]
    public async Task Write_WithATokenForAnotherAudience_Is401()
    {
        var claims = TestTokens.Claims(TestIssuer.PublicIssuer, audience: "some-other-app");
        claims["scope"] = "stac:write";

        using var response = await PostAsync(TestTokens.Sign(_key, claims));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        _received.Should().BeEmpty();
    }

    [Fact]
    public async Task Write_WithStacWrite_ReachesTheApi_WithTheWritersIdentity_NotOneTheClientClaims()
    {
        var claims = TestTokens.Claims(TestIssuer.PublicIssuer, audience: "stac-api", sub: "editor-42");
        claims["scope"] = "openid stac:write";

        using var response = await PostAsync(TestTokens.Sign(_key, claims), forgedUser: "admin");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        _received.Should().ContainSingle().Which.Should().Be(("POST", "/collections/sentinel-2/items", "editor-42"));
    }

    private async Task<HttpResponseMessage> PostAsync(string token, string? forgedUser = null)
    {
        using var client = _proxy.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, "/collections/sentinel-2/items") { Content = new StringContent("""{"type":"Feature"}""") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (forgedUser is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Auth-Request-User", forgedUser);
        }

        return await client.SendAsync(request).WaitAsync(Bound);
    }
}
