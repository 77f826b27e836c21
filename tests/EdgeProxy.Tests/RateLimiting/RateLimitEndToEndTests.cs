using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.RateLimiting;

/// <summary>
/// Rate limits by client address (real source addresses on 127.0.0.0/8, and clients behind a trusted proxy's
/// X-Forwarded-For) and by header: the right client is refused with 429 and a correct Retry-After, before the upstream
/// sees anything, and the others are not. Runs alone: one test reads the decision counters in /metrics, and a proxy of
/// another test disposed meanwhile takes the metric streams it shares by name with this one (twice in fresh CI runs).
/// </summary>
[Collection(Streaming.RunsAlone.Name)]
public sealed class RateLimitEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private RateLimitProxy _env = null!;

    public async Task InitializeAsync() => _env = await RateLimitProxy.StartAsync(output, config => config
        .Set("EdgeProxy:RateLimiting:Policies:per-client:Kind", "FixedWindow")
        .Set("EdgeProxy:RateLimiting:Policies:per-client:PermitLimit", 3)
        .Set("EdgeProxy:RateLimiting:Policies:per-client:Window", "3s")
        .Set("EdgeProxy:RateLimiting:Policies:per-key:Kind", "TokenBucket")
        .Set("EdgeProxy:RateLimiting:Policies:per-key:PartitionBy", "Header")
        .Set("EdgeProxy:RateLimiting:Policies:per-key:Header", "X-Api-Key")
        .Set("EdgeProxy:RateLimiting:Policies:per-key:TokenLimit", 2)
        .Set("EdgeProxy:RateLimiting:Policies:per-key:TokensPerPeriod", 1)
        .Set("EdgeProxy:RateLimiting:Policies:per-key:ReplenishmentPeriod", "2s")
        .Route("client", "/client/{**rest}", "app")
        .Set("ReverseProxy:Routes:client:RateLimiterPolicy", "per-client")
        .Route("key", "/key/{**rest}", "app")
        .Set("ReverseProxy:Routes:key:RateLimiterPolicy", "per-key")
        .Route("free", "/free/{**rest}", "app"));

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OnlyTheClientOverItsLimit_Gets429WithRetryAfter_BeforeTheUpstream_AndAgainAfterTheWait(bool http2)
    {
        var path = $"/client/{Guid.NewGuid():N}";
        var (heavy, light) = http2 ? (Address(31), Address(32)) : (Address(33), Address(34));
        using var heavyClient = _env.From(heavy, http2);
        using var lightClient = _env.From(light, http2);

        var heavyStatuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 5; i++)
        {
            var response = await RateLimitProxy.GetAsync(heavyClient, path);
            heavyStatuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused?.Dispose();
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        var lightStatuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await RateLimitProxy.GetAsync(lightClient, path);
            lightStatuses.Add(response.StatusCode);
        }

        using (refused)
        {
            heavyStatuses.Should().Equal(HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests);
            lightStatuses.Should().AllBeEquivalentTo(HttpStatusCode.OK, "another address has its own 3 per 3 s");
            _env.Reached[path].Should().Be(6, "refused requests never reached the upstream");
            var retryAfter = refused!.Headers.RetryAfter!.Delta!.Value;
            retryAfter.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(3), "never longer than the 3-s window");
            (await refused.Content.ReadAsStringAsync()).Should().Be($"429 Too Many Requests: route 'client' is limited by policy 'per-client'; retry after {retryAfter.TotalSeconds} s\n");
            refused.Headers.CacheControl!.NoStore.Should().BeTrue();

            await Task.Delay(retryAfter + TimeSpan.FromMilliseconds(300));
            using var again = await RateLimitProxy.GetAsync(heavyClient, path);
            again.StatusCode.Should().Be(HttpStatusCode.OK, "Retry-After said when a retry would be admitted");
        }
    }

    [ToolFact("curl")]
    public async Task Curl_FromItsOwnSourceAddress_IsLimited_WhileAnotherCurlIsNot()
    {
        var path = $"/client/{Guid.NewGuid():N}";
        var url = $"https://127.0.0.1:{_env.Proxy.HttpsPort}{path}";
        var heavy = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            heavy.Add(await CurlAsync("127.0.0.41", url));
        }

        var light = await CurlAsync("127.0.0.42", url);

        heavy.Take(3).Should().AllSatisfy(line => line.Should().StartWith("200 "));
        heavy[3].Should().MatchRegex("^429 retry-after=[123]$", "curl sees the status and Retry-After of the fourth request within the window");
        light.Should().StartWith("200 ");
    }

    [Fact]
    public async Task BehindATrustedProxy_TheForwardedClientIsLimited_NotTheProxy_AndAnUntrustedPeerCannotEscapeByClaimingOthers()
    {
        var path = $"/client/{Guid.NewGuid():N}";
        using var balancer = _env.From(RateLimitProxy.TrustedPeer);
        using var direct = _env.From(Address(51));

        var first = new List<HttpStatusCode>();
        TimeSpan? forwardedRetryAfter = null;
        for (var i = 0; i < 4; i++)
        {
            using var response = await RateLimitProxy.GetAsync(balancer, path, ("X-Forwarded-For", "203.0.113.7"));
            first.Add(response.StatusCode);
            forwardedRetryAfter ??= response.Headers.RetryAfter?.Delta;
        }

        using var otherClient = await RateLimitProxy.GetAsync(balancer, path, ("X-Forwarded-For", "203.0.113.8"));
        using var spoofedChain = await RateLimitProxy.GetAsync(balancer, path, ("X-Forwarded-For", "203.0.113.7, 198.51.100.1"));

        var spoofing = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await RateLimitProxy.GetAsync(direct, path, ("X-Forwarded-For", $"198.51.100.{100 + i}"));
            spoofing.Add(response.StatusCode);
        }

        first.Should().Equal(HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests);
        forwardedRetryAfter.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(3), "the forwarded client is told its own window's wait");
        otherClient.StatusCode.Should().Be(HttpStatusCode.OK, "203.0.113.8 is another client behind the same balancer");
        spoofedChain.StatusCode.Should().Be(HttpStatusCode.OK, "the client is the rightmost untrusted entry (198.51.100.1), a new one");
        spoofing.Should().Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], "an untrusted peer is counted as itself whatever X-Forwarded-For it sends");
        // The last refusal's access line is written when its exchange ends, which can be just after the client has the 429.
        await _env.Proxy.Logs.WaitForAsync(e => e.Properties.TryGetValue("RateLimitPolicy", out var p) && p.ToString() == "\"per-client\"" && e.Properties["ClientIp"].ToString() == "\"127.0.0.51\"");
        var refusals = _env.Proxy.Logs.Events.Where(e => e.Properties.TryGetValue("RateLimitPolicy", out var p) && p.ToString() == "\"per-client\"").Select(e => e.Properties["ClientIp"].ToString()).ToList();
        refusals.Should().Contain("\"203.0.113.7\"").And.Contain("\"127.0.0.51\"");
        var line = _env.Proxy.Logs.Events.First(e => e.Properties.ContainsKey("RateLimitPolicy") && e.Properties["ClientIp"].ToString() == "\"203.0.113.7\"");
        line.MessageTemplate.Text.Should().EndWith(" rate_limit={RateLimitPolicy}", "the access line names the policy that refused");
        line.Properties["StatusCode"].ToString().Should().Be("429");
        line.Properties["RouteId"].ToString().Should().Be("\"client\"");
    }

    [Fact]
    public async Task ByHeader_EachKeyHasItsBucket_AndARequestWithoutTheHeaderIsCountedByItsAddress()
    {
        var path = $"/key/{Guid.NewGuid():N}";
        using var client = _env.From(Address(61));
        var keyA = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await RateLimitProxy.GetAsync(client, path, ("X-Api-Key", "key-a"));
            keyA.Add(response.StatusCode);
        }

        using var keyB = await RateLimitProxy.GetAsync(client, path, ("X-Api-Key", "key-b"));
        using var noKey = await RateLimitProxy.GetAsync(client, path);
        using var refused = await RateLimitProxy.GetAsync(client, path, ("X-Api-Key", "key-a"));

        keyA.Should().Equal(HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests);
        keyB.StatusCode.Should().Be(HttpStatusCode.OK);
        noKey.StatusCode.Should().Be(HttpStatusCode.OK);
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        refused.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(2), "one token comes every 2 s");
    }

    [Fact]
    public async Task RouteWithoutAPolicy_IsNotLimited_AndDecisionsAreCountedPerPolicyInMetrics()
    {
        using var client = _env.From(Address(71));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await RateLimitProxy.GetAsync(client, "/free/x");
            statuses.Add(response.StatusCode);
        }

        for (var i = 0; i < 4; i++)
        {
            using var response = await RateLimitProxy.GetAsync(client, "/client/metrics-" + i);
        }

        statuses.Should().AllBeEquivalentTo(HttpStatusCode.OK);
        using var admin = _env.Proxy.CreatePlainClient(_env.Proxy.AdminPort);
        // One scrape holds all three (see the class: a scrape could come back empty once a neighbour's meter went).
        var text = "";
        var metrics = await Eventually.EqualsAsync(async () => (text = await admin.GetStringAsync("/metrics")).Contains("decision=\"rejected\",policy=\"per-client\""), true);
        metrics.Should().BeTrue();
        output.WriteLine(string.Join('\n', text.Split('\n').Where(l => l.Contains("rate_limit"))));
        text.Should().MatchRegex("edgeproxy_rate_limit_decisions_total\\{[^}]*decision=\"allowed\",policy=\"per-client\"[^}]*\\} [1-9]");
        text.Should().MatchRegex("edgeproxy_rate_limit_partitions\\{[^}]*policy=\"per-client\"[^}]*\\} [1-9]");
    }

    [Fact]
    public async Task Reload_ChangesLimitsAtOnce_ButARouteNamingAPolicyNewSinceStartIsRefused_AndTheLastGoodConfigKeepsServing()
    {
        using var client = _env.From(Address(75));
        _env.Proxy.Config.Set("EdgeProxy:RateLimiting:Policies:per-client:PermitLimit", 1);
        _env.Proxy.WriteConfig();
        var path = $"/client/{Guid.NewGuid():N}";
        var tightened = await Eventually.EqualsAsync(async () =>
        {
            path = $"/client/{Guid.NewGuid():N}";
            using var one = await RateLimitProxy.GetAsync(client, path);
            using var two = await RateLimitProxy.GetAsync(client, path);
            return one.StatusCode == HttpStatusCode.OK && two.StatusCode == HttpStatusCode.TooManyRequests;
        }, true);
        tightened.Should().BeTrue("the reloaded limit (1 per 3 s) applies to the next requests");

        _env.Proxy.Config.Set("EdgeProxy:RateLimiting:Policies:brand-new:Kind", "Concurrency")
            .Set("EdgeProxy:RateLimiting:Policies:brand-new:PermitLimit", 1)
            .Route("added", "/added/{**rest}", "app")
            .Set("ReverseProxy:Routes:added:RateLimiterPolicy", "brand-new");
        _env.Proxy.WriteConfig();

        var rejected = await _env.Proxy.Logs.WaitForAsync(e => e.MessageTemplate.Text.Contains("rejected") && e.RenderMessage().Contains("brand-new"), TimeSpan.FromSeconds(15));
        rejected.RenderMessage().Should().Contain("ReverseProxy:Routes:added:RateLimiterPolicy").And.Contain("restart EdgeProxy");
        using var added = await RateLimitProxy.GetAsync(client, "/added/x");
        added.StatusCode.Should().Be(HttpStatusCode.NotFound, "the refused file was not applied");
    }

    private static IPAddress Address(int last) => IPAddress.Parse($"127.0.0.{last}");

    private static async Task<string> CurlAsync(string source, string url)
    {
        var curl = await ExternalTool.RunAsync("curl", ["-sk", "--interface", source, "-o", "/dev/null", "-w", "%{http_code} retry-after=%header{retry-after}", url], TimeSpan.FromSeconds(20));
        return curl.StdOut.Trim();
    }
}
