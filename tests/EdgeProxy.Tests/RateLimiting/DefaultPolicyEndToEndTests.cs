using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.RateLimiting;

/// <summary>
/// <c>EdgeProxy:RateLimiting:DefaultPolicy</c> (ASP.NET Core's global limiter) through real sockets: it limits routes
/// that name no policy, it counts on top of a route's own policy, <c>"RateLimiterPolicy": "Disable"</c> opts a route out
/// of both, and a sliding window's Retry-After (the framework's lease names none) is a wait after which the retry is
/// admitted. Requests no route matches count against the default policy too (nginx's <c>limit_req</c> in a server
/// block counts 404s): a scanner probing paths is limited like any other client.
/// </summary>
public sealed class DefaultPolicyEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(9);
    private RateLimitProxy _env = null!;

    public async Task InitializeAsync() => _env = await RateLimitProxy.StartAsync(output, config => config
        .Set("EdgeProxy:RateLimiting:DefaultPolicy", "everyone")
        .Set("EdgeProxy:RateLimiting:Policies:everyone:Kind", "SlidingWindow")
        .Set("EdgeProxy:RateLimiting:Policies:everyone:PermitLimit", 4)
        .Set("EdgeProxy:RateLimiting:Policies:everyone:Window", "9s")
        .Set("EdgeProxy:RateLimiting:Policies:everyone:SegmentsPerWindow", 3)
        .Set("EdgeProxy:RateLimiting:Policies:login:Kind", "FixedWindow")
        .Set("EdgeProxy:RateLimiting:Policies:login:PermitLimit", 2)
        .Set("EdgeProxy:RateLimiting:Policies:login:Window", "30s")
        .Route("plain", "/plain/{**rest}", "app")
        .Route("login", "/login/{**rest}", "app")
        .Set("ReverseProxy:Routes:login:RateLimiterPolicy", "login")
        .Route("health", "/health/{**rest}", "app")
        .Set("ReverseProxy:Routes:health:RateLimiterPolicy", "Disable"));

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task RouteWithoutAPolicy_IsLimitedByTheDefault_AndTheSlidingWindowsRetryAfterIsAWaitThatIsAdmitted()
    {
        using var client = _env.From(IPAddress.Parse("127.0.0.111"));
        var path = $"/plain/{Guid.NewGuid():N}";
        var clock = Stopwatch.StartNew();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await RateLimitProxy.GetAsync(client, path);
            statuses.Add(response.StatusCode);
        }

        using var refused = await RateLimitProxy.GetAsync(client, path);
        var refusedAt = clock.Elapsed;
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        await Task.Delay(TimeSpan.FromSeconds(2));
        using var tooEarly = await RateLimitProxy.GetAsync(client, path);
        var tooEarlyAt = clock.Elapsed;
        // Each of the 3 slides happens on ASP.NET Core's 100-ms replenishment tick, so up to 0.3 s late on a quiet
        // machine and later on a loaded one (the tick is a timer callback): retry every 200 ms for up to 3 s after it.
        var wait = refusedAt + Window + TimeSpan.FromMilliseconds(300) - clock.Elapsed;
        await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        var admitted = await RateLimitProxy.GetAsync(client, path);
        while (admitted.StatusCode == HttpStatusCode.TooManyRequests && clock.Elapsed < refusedAt + Window + TimeSpan.FromSeconds(3))
        {
            admitted.Dispose();
            await Task.Delay(200);
            admitted = await RateLimitProxy.GetAsync(client, path);
        }

        using var _ = admitted;
        output.WriteLine($"refused at {refusedAt.TotalSeconds:0.0} s with Retry-After {retryAfter}; refused again at {tooEarlyAt.TotalSeconds:0.0} s; admitted at {clock.Elapsed.TotalSeconds:0.0} s");

        statuses.Should().AllBeEquivalentTo(HttpStatusCode.OK);
        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await refused.Content.ReadAsStringAsync()).Should().Be("429 Too Many Requests: route 'plain' is limited by policy 'everyone'; retry after 9 s\n");
        retryAfter.Should().Be(Window, "a sliding window frees its permits only once they slide out of the whole window; the framework's lease says nothing");
        tooEarly.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "2 s later the window still holds all 4 requests (a Retry-After of 1 s would have been a lie)");
        admitted.StatusCode.Should().Be(HttpStatusCode.OK, "after Retry-After the retry is admitted");
        _env.Reached[path].Should().Be(5, "the refused requests never reached the upstream");
        var line = _env.Proxy.Logs.Events.First(e => e.Properties.TryGetValue("RateLimitPolicy", out var p) && p.ToString() == "\"everyone\"");
        line.Properties["ClientIp"].ToString().Should().Be("\"127.0.0.111\"");
        line.Properties["RouteId"].ToString().Should().Be("\"plain\"");
    }

    [Fact]
    public async Task RouteWithItsOwnPolicy_CountsAgainstTheDefaultToo_AndDisableOptsARouteOutOfBoth()
    {
        using var client = _env.From(IPAddress.Parse("127.0.0.112"));
        using var neighbour = _env.From(IPAddress.Parse("127.0.0.113"));
        var login = $"/login/{Guid.NewGuid():N}";
        var plain = $"/plain/{Guid.NewGuid():N}";
        var health = $"/health/{Guid.NewGuid():N}";

        var logins = new List<HttpStatusCode>();
        string? loginRefusal = null;
        for (var i = 0; i < 3; i++)
        {
            using var response = await RateLimitProxy.GetAsync(client, login);
            logins.Add(response.StatusCode);
            loginRefusal = response.StatusCode == HttpStatusCode.TooManyRequests ? await response.Content.ReadAsStringAsync() : loginRefusal;
        }

        var plains = new List<HttpStatusCode>();
        string? plainRefusal = null;
        for (var i = 0; i < 4 && plainRefusal is null; i++)
        {
            using var response = await RateLimitProxy.GetAsync(client, plain);
            plains.Add(response.StatusCode);
            plainRefusal = response.StatusCode == HttpStatusCode.TooManyRequests ? await response.Content.ReadAsStringAsync() : null;
        }

        var healths = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await RateLimitProxy.GetAsync(client, health);
            healths.Add(response.StatusCode);
        }

        using var neighbourLogin = await RateLimitProxy.GetAsync(neighbour, login);

        logins.Should().Equal(HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests);
        loginRefusal.Should().Contain("route 'login' is limited by policy 'login'");
        plains.Count(s => s == HttpStatusCode.OK).Should().BeLessThan(4, "the login requests took permits of the default policy too");
        plainRefusal.Should().Contain("route 'plain' is limited by policy 'everyone'");
        healths.Should().AllBeEquivalentTo(HttpStatusCode.OK, "Disable opts the route out of the default policy, though this client has none left");
        _env.Reached[health].Should().Be(10);
        neighbourLogin.StatusCode.Should().Be(HttpStatusCode.OK, "another address has its own login and default partitions");
    }

    [Fact]
    public async Task PathsNoRouteMatches_CountAgainstTheDefaultPolicy_OverHttp1AndHttp2()
    {
        foreach (var (address, http2) in new[] { ("127.0.0.114", false), ("127.0.0.115", true) })
        {
            using var scanner = _env.From(IPAddress.Parse(address), http2);
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 5; i++)
            {
                using var response = await RateLimitProxy.GetAsync(scanner, $"/no-such-route/{i}");
                statuses.Add(response.StatusCode);
            }

            using var refused = await RateLimitProxy.GetAsync(scanner, "/wp-admin/");
            statuses.Should().Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.TooManyRequests], $"{address} (HTTP/2 {http2}): four permits per window, then 429");
            refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
            refused.Headers.RetryAfter?.Delta.Should().Be(Window);
            (await refused.Content.ReadAsStringAsync()).Should().Be("429 Too Many Requests: a path no route matches is limited by policy 'everyone'; retry after 9 s\n");
        }

        using var other = _env.From(IPAddress.Parse("127.0.0.116"));
        using var unaffected = await RateLimitProxy.GetAsync(other, "/no-such-route/x");
        unaffected.StatusCode.Should().Be(HttpStatusCode.NotFound, "another address has its own partition");
    }
}
