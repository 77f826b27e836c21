using System.Diagnostics;
using System.Net;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tests.Streaming;
using Serilog.Events;
using Xunit.Abstractions;
using Yarp.ReverseProxy;

namespace EdgeProxy.Tests.Retries;

/// <summary>
/// Requests that find no destination accepting connections: they wait up to TryDuration and then get the clear
/// page, never before; beyond MaxHeld they get 503 with Retry-After at once; a route Timeout still ends them;
/// with every destination unhealthy they wait for a health check to pass.
/// </summary>
[Collection(RunsAlone.Name)] // exact metric values, and timing measured in milliseconds
public sealed class HoldEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Refusing() => $"http://127.0.0.1:{TestClients.FreePort()}/"; // nothing listens there

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OutageLongerThanTryDuration_ClearPageAfterTryDuration_NeverBefore(bool http2)
    {
        var config = new TestConfig(_dir.Path).Route("orders", "{**any}", "app").Cluster("app", Refusing())
            .Set("ReverseProxy:Clusters:app:Metadata:EdgeProxy.TryDuration", "1s");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient(http2: http2);

        var started = Stopwatch.GetTimestamp();
        var answers = await Task.WhenAll(
            TimedAsync(client, HttpMethod.Get, "/held-get", started),
            TimedAsync(client, HttpMethod.Post, "/held-post", started));

        foreach (var (status, body, elapsed) in answers)
        {
            status.Should().Be(HttpStatusCode.BadGateway);
            body.Should().Be("502 Bad Gateway: route 'orders': connection refused\n", "the same page as without waiting");
            elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1), "never before the try duration").And.BeLessThan(TimeSpan.FromSeconds(4));
        }

        var gaveUp = proxy.Logs.Events.Where(e => e.MessageTemplate.Text.Contains("); gave up after {Tries} tries", StringComparison.Ordinal)).ToList();
        gaveUp.Should().HaveCount(2, "one line per given-up request").And.OnlyContain(e => e.Level == LogEventLevel.Warning);
        gaveUp.Should().OnlyContain(e => e.Properties["ClusterId"].ToString() == "\"app\"" && long.Parse(e.Properties["WaitMs"].ToString()) >= 1000);
        proxy.Logs.Events.Count(e => e.Level >= LogEventLevel.Warning).Should().Be(2, "no second warning for the same failure:\n" + proxy.Logs.AllText);
        var access = await proxy.Logs.WaitForAsync(e => e.Properties.TryGetValue("Path", out var p) && p.ToString() == "\"/held-post\"");
        double.Parse(access.Properties["HeldMs"].ToString(), System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThanOrEqualTo(1000);
        var metrics = await proxy.CreatePlainClient(proxy.AdminPort).GetStringAsync("/metrics");
        metrics.Should().Contain("edgeproxy_upstream_held_total{otel_scope_name=\"EdgeProxy\",cluster=\"app\"} 2")
            .And.Contain("edgeproxy_upstream_given_up_total{otel_scope_name=\"EdgeProxy\",cluster=\"app\",reason=\"try_duration\"} 2")
            .And.Contain("edgeproxy_upstream_wait_duration_seconds_count{otel_scope_name=\"EdgeProxy\",cluster=\"app\",outcome=\"given_up\"} 2")
            .And.Contain("edgeproxy_upstream_waiting{otel_scope_name=\"EdgeProxy\",cluster=\"app\"} 0");
    }

    [Fact]
    public async Task TryDurationZero_OnARoute_FailsAtOnce_EveryTimeWithTheRealReason()
    {
        var config = new TestConfig(_dir.Path).Cluster("app", Refusing())
            .Route("fast", "/fast", "app", new Dictionary<string, string> { ["EdgeProxy.TryDuration"] = "0" });
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();

        var (status, _, elapsed) = await TimedAsync(client, HttpMethod.Get, "/fast", Stopwatch.GetTimestamp());
        var (again, body, _) = await TimedAsync(client, HttpMethod.Get, "/fast", Stopwatch.GetTimestamp());

        status.Should().Be(HttpStatusCode.BadGateway);
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1), "0 turns waiting off");
        again.Should().Be(HttpStatusCode.BadGateway);
        body.Should().Be("502 Bad Gateway: route 'fast': connection refused\n", "the next request tries the destination itself, as without waiting");
        var access = await proxy.Logs.WaitForAsync(e => e.Properties.TryGetValue("Path", out var p) && p.ToString() == "\"/fast\"");
        access.Properties.Should().NotContainKey("Tries").And.NotContainKey("HeldMs", "a request that neither waited nor was tried again carries nothing extra");
    }

    [Fact]
    public async Task TryDurationZero_TwoDestinations_OneRefusing_TheOtherAnswersAtOnce()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var config = new TestConfig(_dir.Path).Route("app", "{**any}", "app").Cluster("app", Refusing(), upstream.Url)
            .Set("ReverseProxy:Clusters:app:LoadBalancingPolicy", "RoundRobin").Set("EdgeProxy:Retries:TryDuration", "0");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add((await client.GetAsync($"/x/{i}")).StatusCode);
        }

        answers.Should().OnlyContain(s => s == HttpStatusCode.OK, "a refused connection moves on to the other destination without waiting");
    }

    [Fact]
    public async Task BeyondMaxHeld_503WithRetryAfter_AtOnce()
    {
        var config = new TestConfig(_dir.Path).Route("orders", "{**any}", "app").Cluster("app", Refusing())
            .Set("ReverseProxy:Clusters:app:Metadata:EdgeProxy.TryDuration", "3s")
            .Set("ReverseProxy:Clusters:app:Metadata:EdgeProxy.MaxHeld", "3");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient(http2: true);
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);
        var held = Enumerable.Range(0, 3).Select(i => client.GetAsync($"/held/{i}")).ToList();
        (await Eventually.EqualsAsync(async () => (await admin.GetStringAsync("/metrics")).Contains("edgeproxy_upstream_waiting{otel_scope_name=\"EdgeProxy\",cluster=\"app\"} 3"), true))
            .Should().BeTrue("three requests wait");

        var started = Stopwatch.GetTimestamp();
        using var beyond = await client.GetAsync("/one-more");

        Stopwatch.GetElapsedTime(started).Should().BeLessThan(TimeSpan.FromSeconds(2), "no waiting beyond the limit: held requests wait the 3 s TryDuration");
        beyond.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        beyond.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(3));
        (await beyond.Content.ReadAsStringAsync()).Should().Be("503 Service Unavailable: route 'orders': its upstream is not answering and 3 requests already wait for it\n");
        held.Should().OnlyContain(t => !t.IsCompleted);
        foreach (var response in await Task.WhenAll(held))
        {
            response.StatusCode.Should().Be(HttpStatusCode.BadGateway, "the held ones still end at TryDuration");
        }

        (await admin.GetStringAsync("/metrics")).Should().Contain("edgeproxy_upstream_given_up_total{otel_scope_name=\"EdgeProxy\",cluster=\"app\",reason=\"held_limit\"} 1");
    }

    [Fact]
    public async Task RouteTimeoutShorterThanTryDuration_EndsTheWaitWith504()
    {
        var config = new TestConfig(_dir.Path).Route("slow", "{**any}", "app").Cluster("app", Refusing()).Set("ReverseProxy:Routes:slow:Timeout", "00:00:01");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();

        var (status, body, elapsed) = await TimedAsync(client, HttpMethod.Get, "/x", Stopwatch.GetTimestamp());

        status.Should().Be(HttpStatusCode.GatewayTimeout);
        body.Should().Be("504 Gateway Timeout: route 'slow': upstream timed out\n");
        elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1)).And.BeLessThan(TimeSpan.FromSeconds(5), "the route Timeout counts from arrival and ends the wait");
    }

    [Fact]
    public async Task EveryDestinationUnhealthy_RequestsWait_AndGoAsSoonAsAnActiveCheckPasses()
    {
        await using var app = RestartableApp.NotStarted();
        var config = new TestConfig(_dir.Path).Route("app", "{**any}", "app").Cluster("app", app.Url)
            .Set("ReverseProxy:Clusters:app:HealthCheck:AvailableDestinationsPolicy", "HealthyAndUnknown")
            .Set("ReverseProxy:Clusters:app:HealthCheck:Active:Enabled", true)
            .Set("ReverseProxy:Clusters:app:HealthCheck:Active:Interval", "00:00:20") // far longer than the test: only the nudge can bring it back in time
            .Set("ReverseProxy:Clusters:app:HealthCheck:Active:Timeout", "00:00:01")
            .Set("ReverseProxy:Clusters:app:HealthCheck:Active:Path", "/health")
            .Set("ReverseProxy:Clusters:app:Metadata:ConsecutiveFailuresHealthPolicy.Threshold", "1");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        var lookup = proxy.Services.GetRequiredService<IProxyStateLookup>();
        (await Eventually.EqualsAsync(() => Task.FromResult(lookup.TryGetCluster("app", out var c) && c.DestinationsState.AvailableDestinations.Count == 0), true))
            .Should().BeTrue("the first active check finds the app down and marks it unhealthy");
        using var client = proxy.CreateClient();

        var waiting = client.GetAsync("/while-unhealthy");
        await Task.Delay(700);
        waiting.IsCompleted.Should().BeFalse("with every destination unhealthy the request waits instead of failing at once");
        await app.StartAsync();
        var up = Stopwatch.GetTimestamp();
        using var response = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        Stopwatch.GetElapsedTime(up).Should().BeLessThan(TimeSpan.FromSeconds(3), "a probe that connects asks YARP for an active check at once, not after its 20 s interval");
        app.Seen.Should().Contain(l => l.StartsWith("GET /health ", StringComparison.Ordinal)).And.Contain(l => l.StartsWith("GET /while-unhealthy ", StringComparison.Ordinal));
    }

    private static async Task<(HttpStatusCode Status, string Body, TimeSpan Elapsed)> TimedAsync(HttpClient client, HttpMethod method, string path, long started)
    {
        using var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("{\"order\":1}");
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body, Stopwatch.GetElapsedTime(started));
    }
}
