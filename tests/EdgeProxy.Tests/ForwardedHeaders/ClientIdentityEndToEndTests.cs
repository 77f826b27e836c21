using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ForwardedHeaders;

/// <summary>
/// The resolved client is the one used everywhere (Connection.RemoteIpAddress, access log, route allowlists),
/// the Host the upstream sees, HTTP/2, oversized headers, and trust changes on reload.
/// </summary>
public sealed class ClientIdentityEndToEndTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly IPAddress Untrusted = IPAddress.Parse("127.0.0.9");
    private static readonly IPAddress Trusted = IPAddress.Parse("127.0.0.2");
    private readonly TempDirectory _dir = new();
    private TestUpstream _upstream = null!;
    private ProxyInstance _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HeaderEchoUpstream.StartAsync();
        _proxy = await ProxyInstance.StartAsync(ForwardedConfig.Create(_dir, _upstream.Url), output);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    private HttpClient From(IPAddress source, bool http2 = false) => SourceBoundClient.Create(source, IPAddress.Loopback, _proxy.HttpsPort, http2: http2);

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? xff = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy };
        if (xff is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", xff);
        }

        return await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(15));
    }

    [Theory]
    [InlineData("127.0.0.5", null, HttpStatusCode.OK)]
    [InlineData("127.0.0.9", null, HttpStatusCode.Forbidden)]
    [InlineData("127.0.0.9", "10.1.2.3", HttpStatusCode.Forbidden)] // an untrusted peer cannot claim an allowed address
    [InlineData("127.0.0.2", "10.1.2.3", HttpStatusCode.OK)] // a trusted peer vouches for an allowed client
    [InlineData("127.0.0.2", "8.8.8.8", HttpStatusCode.Forbidden)]
    [InlineData("127.0.0.2", "8.8.8.8, 10.1.2.3", HttpStatusCode.Forbidden)] // 10.1.2.3 is a trusted hop, not the client
    public async Task AllowFrom_MatchesResolvedClient(string source, string? xff, HttpStatusCode expected)
    {
        using var client = From(IPAddress.Parse(source));

        using var response = await GetAsync(client, "/allow/x", xff);

        response.StatusCode.Should().Be(expected);
        if (expected == HttpStatusCode.Forbidden)
        {
            (await response.Content.ReadAsStringAsync()).Should().Contain("403");
        }
    }

    [Fact]
    public async Task AccessLog_RecordsResolvedClient_NotSpoofedOrPeer()
    {
        using var untrusted = From(Untrusted);
        using var trusted = From(Trusted);

        (await GetAsync(untrusted, "/log-untrusted", "6.6.6.6")).Dispose();
        (await GetAsync(trusted, "/log-trusted", "203.0.113.7, 10.1.1.1")).Dispose();

        var untrustedEvent = await _proxy.Logs.WaitForAsync(e => e.Properties.TryGetValue("Path", out var p) && p.ToString().Contains("/log-untrusted"));
        var trustedEvent = await _proxy.Logs.WaitForAsync(e => e.Properties.TryGetValue("Path", out var p) && p.ToString().Contains("/log-trusted"));
        untrustedEvent.Properties["ClientIp"].ToString().Should().Be("\"127.0.0.9\"");
        trustedEvent.Properties["ClientIp"].ToString().Should().Be("\"203.0.113.7\"");
    }

    [Fact]
    public async Task Upstream_ReceivesClientsHost_ByDefault_AndDestinationHost_WhenRouteSaysSo()
    {
        using var client = From(Untrusted);

        var preserved = await HeaderEchoUpstream.ReadAsync(await GetAsync(client, "/x"));
        var destination = await HeaderEchoUpstream.ReadAsync(await GetAsync(client, "/desthost/x"));

        preserved.Header("Host").Should().Be($"localhost:{_proxy.HttpsPort}");
        destination.Header("Host").Should().Be(new Uri(_upstream.Url).Authority);
        destination.Header("X-Forwarded-Host").Should().Be($"localhost:{_proxy.HttpsPort}");
    }

    [Fact]
    public async Task Http2_SameDecisions()
    {
        using var untrusted = From(Untrusted, http2: true);
        using var trusted = From(Trusted, http2: true);

        using var spoofed = await GetAsync(untrusted, "/h2", "6.6.6.6");
        using var vouched = await GetAsync(trusted, "/h2", "203.0.113.7");

        spoofed.Version.Should().Be(HttpVersion.Version20);
        (await HeaderEchoUpstream.ReadAsync(spoofed)).Header("X-Forwarded-For").Should().Be("127.0.0.9");
        (await HeaderEchoUpstream.ReadAsync(vouched)).Header("X-Forwarded-For").Should().Be("203.0.113.7, 127.0.0.2");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OneConnection_ManyRequests_EachResolvedFromTheRealPeer(bool http2)
    {
        // A trusted balancer reuses its connection for many clients; one request's resolved client must never
        // become the next request's peer (that would make it "untrusted" and pin the wrong client).
        var connections = 0;
        using var trusted = SourceBoundClient.Create(Trusted, IPAddress.Loopback, _proxy.HttpsPort, http2: http2, onConnect: () => connections++);
        var seen = new List<string?>();
        foreach (var xff in new[] { "203.0.113.7", "198.51.100.1", "10.1.1.1", "203.0.113.8" })
        {
            seen.Add((await HeaderEchoUpstream.ReadAsync(await GetAsync(trusted, "/keepalive", xff))).Header("X-Forwarded-For"));
        }

        connections.Should().Be(1);
        seen.Should().Equal("203.0.113.7, 127.0.0.2", "198.51.100.1, 127.0.0.2", "10.1.1.1, 127.0.0.2", "203.0.113.8, 127.0.0.2");
    }

    [Fact]
    public async Task ThousandsOfTrustedEntries_WalkIsBounded_AndClientIsNeverAnUntrustedForgery()
    {
        using var trusted = From(Trusted);
        var chain = string.Join(", ", Enumerable.Repeat("10.0.0.1", 2000)) + ", 10.1.1.1";

        using var response = await GetAsync(trusted, "/long", chain);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var echo = await HeaderEchoUpstream.ReadAsync(response);
        echo.Header("X-Real-IP").Should().StartWith("10.", "only trusted addresses are in the chain");
        echo.Header("X-Forwarded-For")!.Split(", ").Should().HaveCount(33, "32 hops walked plus our peer");
    }

    [Fact]
    public async Task HugeHeader_IsRefused_AndTheProxyKeepsServing()
    {
        using var client = From(Trusted);
        var huge = string.Join(", ", Enumerable.Repeat("203.0.113.7", 64 * 1024 / 13));

        using var refused = await GetAsync(client, "/huge", huge);
        using var after = await GetAsync(From(Untrusted), "/after");

        ((int)refused.StatusCode).Should().Be(431);
        after.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task PlainHttpListener_SchemeIsHttp_WhenRedirectIsOff()
    {
        await using var proxy = await ProxyInstance.StartAsync(
            ForwardedConfig.Create(new TempDirectory(), _upstream.Url).Set("EdgeProxy:HttpsRedirect:Enabled", false), output);
        using var client = SourceBoundClient.Create(Untrusted, IPAddress.Loopback, proxy.HttpPort, https: false);

        var echo = await HeaderEchoUpstream.ReadAsync(await GetAsync(client, "/plain", "6.6.6.6"));

        echo.Header("X-Forwarded-Proto").Should().Be("http");
        echo.Header("X-Forwarded-Port").Should().Be(proxy.HttpPort.ToString());
        echo.Header("X-Forwarded-For").Should().Be("127.0.0.9");
    }

    [Fact]
    public async Task Reload_ChangesWhoIsTrusted()
    {
        using var client = From(IPAddress.Parse("127.0.0.4"));
        (await HeaderEchoUpstream.ReadAsync(await GetAsync(client, "/before", "203.0.113.7"))).Header("X-Real-IP").Should().Be("127.0.0.4");

        _proxy.Config.Set("EdgeProxy:TrustedProxies:Networks", new[] { "127.0.0.4" });
        _proxy.WriteConfig();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        string? seen = null;
        while (DateTime.UtcNow < deadline && seen != "203.0.113.7")
        {
            await Task.Delay(200);
            seen = (await HeaderEchoUpstream.ReadAsync(await GetAsync(client, "/after", "203.0.113.7"))).Header("X-Real-IP");
        }

        seen.Should().Be("203.0.113.7");
    }

    [Fact]
    public async Task Reload_WithBadNetwork_IsRefused_AndTrustStaysAsItWas()
    {
        _proxy.Config.Set("EdgeProxy:TrustedProxies:Networks", new[] { "127.0.0.4", "10.0.0.0/33" });
        _proxy.WriteConfig();

        await _proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("10.0.0.0/33"));
        using var client = From(IPAddress.Parse("127.0.0.4"));
        (await HeaderEchoUpstream.ReadAsync(await GetAsync(client, "/x", "203.0.113.7"))).Header("X-Real-IP").Should().Be("127.0.0.4");
    }
}
