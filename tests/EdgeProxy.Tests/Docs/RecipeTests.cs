using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Docs;

/// <summary>
/// The recipes of docs/recipes.md that no other test already proves, each through real sockets with the keys the
/// recipe shows: a second site (its own host and certificate), several destinations balanced and health-checked,
/// security headers set at the edge, and the client address behind Cloudflare or an AWS ALB.
/// </summary>
public sealed class RecipeTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SecondSite_OwnHostAndCertificate_OnTheSameListener(bool http2)
    {
        await using var blog = await TestUpstream.StartAsync(app => app.MapFallback(() => "blog"));
        await using var shop = await TestUpstream.StartAsync(app => app.MapFallback(() => "shop"));
        var pki = TestPki.Instance;
        var (blogCert, blogKey) = pki.WritePem(pki.IssueServer("blog.test", ["blog.test"]), _dir.Combine("certs"), "blog");
        var (shopCert, shopKey) = pki.WritePem(pki.IssueServer("shop.test", ["shop.test"]), _dir.Combine("certs"), "shop");
        var config = new TestConfig(_dir.Path).WithCertificate(blogCert, blogKey)
            .Set("Kestrel:Endpoints:Https:Sni:shop.test:Certificate", new { Path = shopCert, KeyPath = shopKey })
            .Route("blog", "{**all}", "blog").Set("ReverseProxy:Routes:blog:Match:Hosts", new[] { "blog.test" })
            .Route("shop", "{**all}", "shop").Set("ReverseProxy:Routes:shop:Match:Hosts", new[] { "shop.test" })
            .Cluster("blog", blog.Url).Cluster("shop", shop.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);

        foreach (var site in new[] { "blog", "shop" })
        {
            X509Certificate2? served = null;
            using var client = TestClients.Https(proxy.HttpsPort, host: site + ".test", http2: http2, seen: c => served = c);
            (await client.GetStringAsync("/")).Should().Be(site, "the route whose Match:Hosts names the host answers");
            served!.GetNameInfo(X509NameType.DnsName, false).Should().Be(site + ".test", "the certificate is the one for the name the client asked for");
        }

        using var other = TestClients.Https(proxy.HttpsPort, host: "localhost", trustAny: true);
        (await other.GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.NotFound, "no route names another host");
    }

    [Fact]
    public async Task SeveralDestinations_RoundRobin_AndAnUnhealthyOneGetsNothing()
    {
        var healthy = new[] { true, true };
        await using var a = await TestUpstream.StartAsync(app => app.MapFallback((HttpContext c) => c.Request.Path == "/healthz" && !healthy[0] ? Results.StatusCode(503) : Results.Text("a")));
        await using var b = await TestUpstream.StartAsync(app => app.MapFallback((HttpContext c) => c.Request.Path == "/healthz" && !healthy[1] ? Results.StatusCode(503) : Results.Text("b")));
        var config = new TestConfig(_dir.Path).Route("app", "{**all}", "app").Cluster("app", a.Url, b.Url)
            .Set("ReverseProxy:Clusters:app:LoadBalancingPolicy", "RoundRobin")
            .Set("ReverseProxy:Clusters:app:HealthCheck:Active", new { Enabled = true, Interval = "00:00:01", Timeout = "00:00:00.500", Path = "/healthz" })
            .Set("ReverseProxy:Clusters:app:Metadata:ConsecutiveFailuresHealthPolicy.Threshold", "1");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();

        var answers = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            answers.Add(await client.GetStringAsync("/x"));
        }

        answers.Count(x => x == "a").Should().Be(5, "round robin: " + string.Join(',', answers));
        healthy[0] = false;
        await Eventually.EqualsAsync(async () =>
        {
            var round = new List<string>();
            for (var i = 0; i < 4; i++)
            {
                round.Add(await client.GetStringAsync("/x"));
            }

            return round.All(x => x == "b");
        }, true, seconds: 10);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SecurityHeaders_SetAtTheEdge_ReplaceTheApps_AndAHeaderIsHidden(bool http2)
    {
        await using var app = await TestUpstream.StartAsync(a => a.MapFallback((HttpContext c) =>
        {
            c.Response.Headers["Content-Security-Policy"] = "default-src *";
            c.Response.Headers["X-Powered-By"] = "Express";
            return Results.NotFound("missing"); // "When": "Always" covers the app's error answers too
        }));
        var csp = "default-src 'self'; frame-ancestors 'none'";
        var config = new TestConfig(_dir.Path).Route("app", "{**all}", "app").Cluster("app", app.Url)
            .Set("ReverseProxy:Routes:app:Transforms", new[]
            {
                new Dictionary<string, string> { ["ResponseHeader"] = "Content-Security-Policy", ["Set"] = csp, ["When"] = "Always" },
                new Dictionary<string, string> { ["ResponseHeader"] = "X-Content-Type-Options", ["Set"] = "nosniff", ["When"] = "Always" },
                new Dictionary<string, string> { ["ResponseHeader"] = "Referrer-Policy", ["Set"] = "strict-origin-when-cross-origin", ["When"] = "Always" },
                new Dictionary<string, string> { ["ResponseHeaderRemove"] = "X-Powered-By", ["When"] = "Always" },
            });
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient(http2: http2);

        using var response = await client.GetAsync("/page");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Headers.GetValues("Content-Security-Policy").Should().Equal(csp);
        response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        response.Headers.GetValues("Referrer-Policy").Should().Equal("strict-origin-when-cross-origin");
        response.Headers.Contains("X-Powered-By").Should().BeFalse();
        response.Headers.GetValues("Strict-Transport-Security").Should().ContainSingle("HSTS stays EdgeProxy's, beside the transforms");
    }

    /// <summary>
    /// Cloudflare and an AWS ALB both append the client they saw to X-Forwarded-For and set X-Forwarded-Proto; the
    /// recipe trusts their networks (here 127.0.0.2 stands for them) and nothing else. Cloudflare's own
    /// CF-Connecting-IP is removed, whoever sends it: X-Forwarded-For is what counts.
    /// </summary>
    [Theory]
    [InlineData("Cloudflare", "CF-Connecting-IP")]
    [InlineData("ALB", "X-Amzn-Trace-Id")]
    public async Task BehindACdnOrLoadBalancer_TheClientItNamesIsBelieved_FromItOnly(string front, string extraHeader)
    {
        await using var echo = await HeaderEchoUpstream.StartAsync();
        var config = new TestConfig(_dir.Path).Route("app", "{**all}", "app").Cluster("app", echo.Url)
            .Set("EdgeProxy:TrustedProxies:Networks", new[] { "127.0.0.2/32" });
        await using var proxy = await ProxyInstance.StartAsync(config, output);

        async Task<HeaderEchoUpstream.Echo> SendFrom(string source)
        {
            using var client = SourceBoundClient.Create(IPAddress.Parse(source), IPAddress.Loopback, proxy.HttpsPort);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/x");
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
            request.Headers.Add("X-Forwarded-Proto", "https");
            request.Headers.Add(extraHeader, front == "Cloudflare" ? "203.0.113.7" : "Root=1-67891233-abcdef012345678912345678");
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return await HeaderEchoUpstream.ReadAsync(response);
        }

        var viaFront = await SendFrom("127.0.0.2");
        viaFront.Header("X-Real-IP").Should().Be("203.0.113.7", viaFront.ToString());
        viaFront.Header("X-Forwarded-For").Should().Be("203.0.113.7, 127.0.0.2");
        viaFront.Header("X-Forwarded-Proto").Should().Be("https");

        var direct = await SendFrom("127.0.0.9");
        direct.Header("X-Real-IP").Should().Be("127.0.0.9", "a client that skips the front cannot name itself: " + direct);
        direct.Header("X-Forwarded-For").Should().Be("127.0.0.9");
        if (front == "Cloudflare")
        {
            viaFront.Header("CF-Connecting-IP").Should().BeNull("only X-Forwarded-For names the client");
            direct.Header("CF-Connecting-IP").Should().BeNull();
        }
        else
        {
            viaFront.Header("X-Amzn-Trace-Id").Should().NotBeNull("the ALB's trace id is not an identity header and reaches the app");
        }
    }

    /// <summary>An ALB that ends TLS and forwards plain HTTP to EdgeProxy's http listener: no redirect loop for what it says was HTTPS.</summary>
    [Fact]
    public async Task AlbForwardingPlainHttp_HttpsItVouchesFor_IsProxied_AnyoneElseIsRedirected()
    {
        await using var echo = await HeaderEchoUpstream.StartAsync();
        var config = new TestConfig(_dir.Path).Route("app", "{**all}", "app").Cluster("app", echo.Url)
            .Set("EdgeProxy:TrustedProxies:Networks", new[] { "127.0.0.2/32" });
        await using var proxy = await ProxyInstance.StartAsync(config, output);

        async Task<HttpResponseMessage> SendFrom(string source)
        {
            using var client = SourceBoundClient.Create(IPAddress.Parse(source), IPAddress.Loopback, proxy.HttpPort, https: false);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/x");
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
            request.Headers.Add("X-Forwarded-Proto", "https");
            return await client.SendAsync(request);
        }

        using var viaAlb = await SendFrom("127.0.0.2");
        viaAlb.StatusCode.Should().Be(HttpStatusCode.OK);
        var echoed = await HeaderEchoUpstream.ReadAsync(viaAlb);
        echoed.Header("X-Forwarded-Proto").Should().Be("https");
        echoed.Header("X-Real-IP").Should().Be("203.0.113.7");
        using var direct = await SendFrom("127.0.0.9");
        direct.StatusCode.Should().Be(HttpStatusCode.PermanentRedirect, "a client's own X-Forwarded-Proto changes nothing");
    }
}
