using System.Net;
using System.Net.Http.Headers;
using EdgeProxy.Tests.Authentication;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.RateLimiting;

/// <summary>
/// Limits per JWT claim with real tokens, validated by the proxy against a real issuer's keys: users sharing one address
/// (an office NAT) are limited each on their own, a forged token is refused before it is counted, and a route that
/// validates no token counts by address.
/// </summary>
public sealed class ClaimRateLimitEndToEndTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestSigningKey _key = TestSigningKey.Rsa("rsa-rl");
    private TestIssuer _issuer = null!;
    private RateLimitProxy _env = null!;

    public async Task InitializeAsync()
    {
        _issuer = await TestIssuer.StartAsync(0, _key);
        _env = await RateLimitProxy.StartAsync(output, config =>
        {
            AuthFixture.Configure(config, "test", _issuer.Url, _issuer.Url, _dir.Path);
            config.Set("EdgeProxy:Authorization:Policies:token:Schemes", new[] { "test" })
                .Set("EdgeProxy:RateLimiting:Policies:per-user:Kind", "FixedWindow")
                .Set("EdgeProxy:RateLimiting:Policies:per-user:PartitionBy", "Claim")
                .Set("EdgeProxy:RateLimiting:Policies:per-user:Claim", "sub")
                .Set("EdgeProxy:RateLimiting:Policies:per-user:PermitLimit", 2)
                .Set("EdgeProxy:RateLimiting:Policies:per-user:Window", "30s")
                .Route("api", "/api/{**rest}", "app")
                .Set("ReverseProxy:Routes:api:AuthorizationPolicy", "token")
                .Set("ReverseProxy:Routes:api:RateLimiterPolicy", "per-user")
                .Route("open", "/open/{**rest}", "app")
                .Set("ReverseProxy:Routes:open:AuthorizationPolicy", "Anonymous")
                .Set("ReverseProxy:Routes:open:RateLimiterPolicy", "per-user");
        });
    }

    public async Task DisposeAsync()
    {
        await _env.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UsersBehindOneAddress_AreLimitedEachByTheirOwnSubject(bool http2)
    {
        using var office = _env.From(IPAddress.Parse(http2 ? "127.0.0.91" : "127.0.0.92"), http2);
        var path = $"/api/{Guid.NewGuid():N}";
        var alice = Token($"alice-{http2}");
        var bob = Token($"bob-{http2}");

        var aliceStatuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            aliceStatuses.Add(await StatusAsync(office, path, alice));
        }

        var bobStatuses = new List<HttpStatusCode> { await StatusAsync(office, path, bob), await StatusAsync(office, path, bob) };
        var forged = await StatusAsync(office, path, alice[..^4] + "AAAA");
        var anonymous = await StatusAsync(office, path, token: null);

        aliceStatuses.Should().Equal(HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests);
        bobStatuses.Should().AllBeEquivalentTo(HttpStatusCode.OK, "bob has his own 2, though he shares alice's address");
        forged.Should().Be(HttpStatusCode.Unauthorized, "a token that fails validation is refused before any limit counts it");
        anonymous.Should().Be(HttpStatusCode.Unauthorized);
        _env.Reached[path].Should().Be(4);
    }

    [Fact]
    public async Task RouteThatValidatesNoToken_CountsByAddress_WhateverTokenIsSent()
    {
        using var client = _env.From(IPAddress.Parse("127.0.0.93"));
        var path = $"/open/{Guid.NewGuid():N}";

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add(await StatusAsync(client, path, Token($"user-{i}")));
        }

        statuses.Should().Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], "nothing validated those tokens, so their subjects are not trusted: the address is counted");
    }

    private string Token(string subject) => TestTokens.Sign(_key, TestTokens.Claims(_issuer.Url, sub: subject));

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(20));
        return response.StatusCode;
    }
}
