using System.Net;
using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Hsts;

/// <summary>One proxy per owner mode in front of an upstream whose STS behaviour the path chooses.</summary>
public sealed class HstsFixture : IAsyncLifetime, IDisposable
{
    public const string Ours = "max-age=600; includeSubDomains";
    private readonly TempDirectory _dir = new();

    public Dictionary<string, ProxyInstance> Proxies { get; } = [];

    public TestUpstream Upstream { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Upstream = await TestUpstream.StartAsync(app => app.MapGet("/up/{behaviour}/{status:int}", (HttpContext context, string behaviour, int status) =>
        {
            var sts = context.Response.Headers;
            switch (behaviour)
            {
                case "one": sts.Append("Strict-Transport-Security", "max-age=100"); break;
                case "two": sts.Append("Strict-Transport-Security", "max-age=100"); sts.Append("Strict-Transport-Security", "max-age=200; includeSubDomains"); break;
                case "joined": sts.Append("Strict-Transport-Security", "max-age=100, max-age=200"); break;
                case "malformed": sts.Append("Strict-Transport-Security", "max-age=abc; preload"); break;
            }

            if (status == 302)
            {
                sts.Location = "/elsewhere";
            }

            context.Response.StatusCode = status;
            return context.Response.WriteAsync("body");
        }));
        foreach (var owner in new[] { "Proxy", "Upstream", "UpstreamOrProxy", "Off" })
        {
            var config = new TestConfig(Path.Combine(_dir.Path, owner))
                .Set("EdgeProxy:Hsts:Owner", owner).Set("EdgeProxy:Hsts:MaxAge", 600).Set("EdgeProxy:Hsts:IncludeSubDomains", true)
                .Set("Kestrel:Limits:MaxRequestBodySize", 16)
                .Route("up", "/up/{**rest}", "app").Cluster("app", Upstream.Url)
                .Route("dead", "/dead/{**rest}", "dead").Cluster("dead", $"http://127.0.0.1:{TestClients.FreePort()}/")
                .Set("ReverseProxy:Clusters:dead:Metadata:EdgeProxy.TryDuration", "0"); // its 502 at once, not after waiting for it
            Proxies[owner] = await ProxyInstance.StartAsync(config, null);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var proxy in Proxies.Values)
        {
            await proxy.DisposeAsync();
        }

        await Upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync
}

public sealed class HstsEndToEndTests(HstsFixture fixture) : IClassFixture<HstsFixture>
{
    private const string Ours = HstsFixture.Ours;

    public static TheoryData<string, string, string?> Cases()
    {
        var data = new TheoryData<string, string, string?>();
        var upstreamValue = new Dictionary<string, string?> { ["none"] = null, ["one"] = "max-age=100", ["two"] = "max-age=100", ["joined"] = "max-age=100", ["malformed"] = null };
        foreach (var status in new[] { 200, 500, 302 })
        {
            foreach (var (behaviour, upstream) in upstreamValue)
            {
                var path = $"/up/{behaviour}/{status}";
                data.Add("Proxy", path, Ours);
                data.Add("Upstream", path, upstream);
                data.Add("UpstreamOrProxy", path, upstream ?? Ours);
                data.Add("Off", path, null);
            }
        }

        // Responses EdgeProxy writes itself: 502 (dead upstream) and 404 (no route).
        foreach (var path in new[] { "/dead/x", "/no-route" })
        {
            data.Add("Proxy", path, Ours);
            data.Add("Upstream", path, null);
            data.Add("UpstreamOrProxy", path, Ours);
            data.Add("Off", path, null);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Https_CarriesAtMostOneSts_FromTheOwner(string owner, string path, string? expected)
    {
        using var client = fixture.Proxies[owner].CreateClient(http2: path.Contains("two"));

        using var response = await client.GetAsync(path);

        response.Headers.TryGetValues("Strict-Transport-Security", out var values);
        if (expected is null)
        {
            values.Should().BeNull($"{owner} {path} → {(int)response.StatusCode}");
        }
        else
        {
            values.Should().Equal([expected], $"{owner} {path} → {(int)response.StatusCode}");
        }
    }

    [Theory]
    [InlineData("Proxy", Ours)]
    [InlineData("UpstreamOrProxy", Ours)]
    [InlineData("Off", null)]
    public async Task PayloadTooLarge_413_CarriesTheOwnersHeader(string owner, string? expected)
    {
        using var client = fixture.Proxies[owner].CreateClient();

        using var response = await client.PostAsync("/up/one/200", new ByteArrayContent(new byte[1024]));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        response.Headers.TryGetValues("Strict-Transport-Security", out var values);
        (values?.Single()).Should().Be(expected);
    }

    [Theory]
    [InlineData("Proxy")]
    [InlineData("UpstreamOrProxy")]
    [InlineData("Upstream")]
    public async Task PlainHttp_NeverCarriesSts_NotEvenTheRedirect(string owner)
    {
        var proxy = fixture.Proxies[owner];
        using var plain = proxy.CreatePlainClient(proxy.HttpPort);

        using var response = await plain.GetAsync("/up/one/200");

        response.StatusCode.Should().Be(HttpStatusCode.PermanentRedirect);
        response.Headers.Contains("Strict-Transport-Security").Should().BeFalse();
    }

    [Fact]
    public async Task UpstreamMode_LogsNormalisationOncePerRoute()
    {
        var proxy = fixture.Proxies["Upstream"];
        using var client = proxy.CreateClient();

        await client.GetAsync("/up/two/200");
        await client.GetAsync("/up/malformed/200");

        var warning = await proxy.Logs.WaitForAsync(e => e.MessageTemplate.Text.Contains("Strict-Transport-Security"));
        warning.RenderMessage().Should().Contain("\"up\"");
        proxy.Logs.Events.Count(e => e.MessageTemplate.Text.Contains("Strict-Transport-Security")).Should().Be(1);
    }
}

public sealed class HstsOverrideTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task PerHostAndPerRouteOverrides_AndExcludedHosts()
    {
        await using var upstream = await TestUpstream.StartAsync(app => app.MapFallback(context =>
        {
            context.Response.Headers.StrictTransportSecurity = "max-age=5";
            return context.Response.WriteAsync("ok");
        }));
        var config = new TestConfig(_dir.Path)
            .Set("EdgeProxy:Hsts:MaxAge", "1d")
            .Set("EdgeProxy:Hsts:Hosts:api.test:MaxAge", 42)
            .Set("EdgeProxy:Hsts:Hosts:*.legacy.test:Owner", "Upstream")
            .Set("EdgeProxy:Hsts:ExcludedHosts", new[] { "dev.test" })
            .Route("app", "/{**rest}", "app").Cluster("app", upstream.Url)
            .Route("passthrough", "/passthrough/{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.Hsts"] = "Upstream" });
        await using var proxy = await ProxyInstance.StartAsync(config, output);

        async Task<string?> Sts(string host, string path)
        {
            using var client = proxy.CreateClient(host, trustAny: true);
            using var response = await client.GetAsync(path);
            return response.Headers.TryGetValues("Strict-Transport-Security", out var v) ? string.Join(" | ", v) : null;
        }

        (await Sts("www.test", "/")).Should().Be("max-age=86400");
        (await Sts("api.test", "/")).Should().Be("max-age=42");
        (await Sts("a.legacy.test", "/")).Should().Be("max-age=5");
        (await Sts("dev.test", "/")).Should().BeNull("excluded hosts get no header, and the upstream's is still removed");
        (await Sts("www.test", "/passthrough/x")).Should().Be("max-age=5");
    }

    [Fact]
    public async Task RedirectDisabled_PlainHttpProxied_UpstreamStsIsRemoved()
    {
        await using var upstream = await TestUpstream.StartAsync(app => app.MapFallback(context =>
        {
            context.Response.Headers.StrictTransportSecurity = "max-age=5";
            return context.Response.WriteAsync("ok");
        }));
        var config = new TestConfig(_dir.Path).Set("EdgeProxy:HttpsRedirect:Enabled", false).Set("EdgeProxy:Hsts:Owner", "Upstream")
            .Route("app", "/{**rest}", "app").Cluster("app", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var plain = proxy.CreatePlainClient(proxy.HttpPort);

        using var response = await plain.GetAsync("/");

        (await response.Content.ReadAsStringAsync()).Should().Be("ok");
        response.Headers.Contains("Strict-Transport-Security").Should().BeFalse();
    }
}

public sealed class HstsValidationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Check(params (string Key, object Value)[] settings)
    {
        var config = new TestConfig(_dir.Path);
        foreach (var (key, value) in settings)
        {
            config.Set(key, value);
        }

        using var output = new StringWriter();
        CheckCommand.Run(CommandLine.Parse(["check", "--config", config.Write()]), _dir.Path, output, TextWriter.Null);
        return output.ToString();
    }

    [Fact]
    public void Preload_WithoutItsRequirements_FailsNamingEachMissingPiece()
    {
        var output = Check(("EdgeProxy:Hsts:Preload", true), ("EdgeProxy:Hsts:MaxAge", 86400), ("EdgeProxy:HttpsRedirect:Enabled", false));

        output.Should().Contain("FAIL EdgeProxy:Hsts:MaxAge: Preload requires MaxAge of at least one year (31536000 seconds); it is 86400")
            .And.Contain("FAIL EdgeProxy:Hsts:IncludeSubDomains: Preload requires IncludeSubDomains: true")
            .And.Contain("FAIL EdgeProxy:Hsts:Preload: Preload requires the HTTP→HTTPS redirect");
    }

    [Fact]
    public void Preload_WithEverythingInPlace_Passes()
    {
        var output = Check(("EdgeProxy:Hsts:Preload", true), ("EdgeProxy:Hsts:MaxAge", "730d"), ("EdgeProxy:Hsts:IncludeSubDomains", true));

        output.Should().NotContain("FAIL").And.Contain("OK EdgeProxy:Hsts: Owner=Proxy: max-age=63072000; includeSubDomains; preload");
    }

    [Fact]
    public void MaxAgeZero_IsAllowed_AndExplained()
    {
        Check(("EdgeProxy:Hsts:MaxAge", 0)).Should().Contain("OK EdgeProxy:Hsts: Owner=Proxy: max-age=0 (tells browsers to forget HSTS");
    }

    [Theory]
    [InlineData("EdgeProxy:Hsts:Owner", "Nobody", "FAIL EdgeProxy:Hsts:Owner: 'Nobody' is not one of")]
    [InlineData("EdgeProxy:Hsts:MaxAge", "forever", "FAIL EdgeProxy:Hsts:MaxAge: 'forever' is not a max-age")]
    [InlineData("EdgeProxy:Hsts:Hosts:a.test:Owner", "1", "FAIL EdgeProxy:Hsts:Hosts:a.test:Owner:")]
    [InlineData("ReverseProxy:Routes:r:Metadata:EdgeProxy.Hsts", "Sometimes", "FAIL ReverseProxy:Routes:r:Metadata:EdgeProxy.Hsts: 'Sometimes' is not one of")]
    public void BadValues_FailNamingTheKey(string key, string value, string expected)
    {
        Check((key, value), ("ReverseProxy:Routes:r:ClusterId", "c"), ("ReverseProxy:Routes:r:Match:Path", "/"), ("ReverseProxy:Clusters:c:Destinations:d:Address", "http://127.0.0.1:1/"))
            .Should().Contain(expected);
    }

    [Theory]
    [InlineData("max-age=31536000", true)]
    [InlineData("max-age=\"31536000\"; includeSubDomains", true)]
    [InlineData("MAX-AGE=0; preload; includesubdomains", true)]
    [InlineData("includeSubDomains", false)]
    [InlineData("max-age=1; max-age=2", false)]
    [InlineData("max-age=-1", false)]
    [InlineData("max-age=1; preload; preload", false)]
    [InlineData("", false)]
    public void StsHeader_Syntax(string value, bool valid) => EdgeProxy.Hsts.StsHeader.IsValid(value).Should().Be(valid);
}
