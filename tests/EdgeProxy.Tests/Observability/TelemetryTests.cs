using System.Diagnostics;
using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Observability;

[Collection(EdgeProxy.Tests.Streaming.RunsAlone.Name)]
public sealed class TelemetryTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Metrics_AtAdminListener_CountRequestsByRouteClusterAndStatusClass()
    {
        await using var upstream = await TestUpstream.StartAsync(app =>
        {
            app.MapGet("/ok", () => "ok");
            app.MapGet("/fail", () => Results.StatusCode(503));
        });
        var closed = $"http://127.0.0.1:{TestClients.FreePort()}/";
        var config = new TestConfig(_dir.Path).Route("app", "/{**rest}", "app").Cluster("app", upstream.Url).Route("dead", "/dead/{**rest}", "dead").Cluster("dead", closed)
            .Set("ReverseProxy:Clusters:dead:Metadata:EdgeProxy.TryDuration", "0");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient(http2: true);
        for (var i = 0; i < 3; i++)
        {
            await client.GetAsync("/ok");
        }

        await client.GetAsync("/fail");
        await client.GetAsync("/dead/x");
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);

        var metrics = await admin.GetStringAsync("/metrics");

        Value(metrics, "edgeproxy_requests_total", "cluster=\"app\",route=\"app\",status_class=\"2xx\"").Should().Be(3);
        Value(metrics, "edgeproxy_requests_total", "cluster=\"app\",route=\"app\",status_class=\"5xx\"").Should().Be(1);
        Value(metrics, "edgeproxy_requests_total", "cluster=\"dead\",route=\"dead\",status_class=\"5xx\"").Should().Be(1);
        Value(metrics, "edgeproxy_upstream_errors_total", "kind=\"connection refused\",route=\"dead\"").Should().Be(1);
        Value(metrics, "edgeproxy_request_duration_seconds_count", "route=\"app\"").Should().Be(4);
        Value(metrics, "edgeproxy_certificate_expiry_days", "certificate=\"Kestrel:Endpoints:Https:Certificate\"").Should().BeInRange(89, 90);
        metrics.Should().Contain("kestrel_active_connections").And.Contain("kestrel_tls_handshake_duration_seconds_count")
            .And.NotContain("kestrel_queued_requests", "Kestrel's per-request queue gauge is dropped (hot-path cost, bench/README.md)");
        (await (await client.GetAsync("/metrics")).Content.ReadAsStringAsync()).Should().NotContain("edgeproxy_requests_total", "public listeners never serve metrics");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Traceparent_WithoutAnExporter_ContinuesTheClientsTrace_WithTheProxysSpanAsParent(bool http2)
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<(string? Parent, string? State, string? Baggage)>();
        await using var upstream = await TestUpstream.StartAsync(app => app.MapGet("/t", (HttpContext context) =>
        {
            var headers = context.Request.Headers;
            seen.Enqueue((headers["traceparent"], headers.TryGetValue("tracestate", out var state) ? state.ToString() : null, headers["baggage"]));
            return "ok";
        }));
        var config = new TestConfig(_dir.Path).Route("t", "/t", "app").Cluster("app", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient(http2: http2);
        using var request = CallerTrace.SampledRequest("/t", out var traceId, out var parent);
        request.Headers.Add("tracestate", "congo=t61rcWkgMzE");
        request.Headers.Add("baggage", "tenant=blue");
        using var unsampled = new HttpRequestMessage(HttpMethod.Get, "/t");
        unsampled.Headers.Add("traceparent", $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-00");
        using var invalid = new HttpRequestMessage(HttpMethod.Get, "/t");
        invalid.Headers.TryAddWithoutValidation("traceparent", $"00-{new string('0', 32)}-{parent.ToHexString()}-01"); // all-zero trace id: invalid
        invalid.Headers.Add("tracestate", "congo=stale");

        (await client.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.GetAsync("/t")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.SendAsync(unsampled)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await client.SendAsync(invalid)).StatusCode.Should().Be(HttpStatusCode.OK);

        var received = seen.ToArray();
        received.Should().HaveCount(4);
        received[0].Parent.Should().MatchRegex($"^00-{traceId.ToHexString()}-[0-9a-f]{{16}}-01$", "the caller sampled it: so does the upstream's parent-based sampler")
            .And.NotContain(parent.ToHexString(), "the upstream sees a child of the proxy's span, not the client's span");
        received[0].State.Should().Be("congo=t61rcWkgMzE", "the caller's tracestate goes with its trace");
        received[0].Baggage.Should().Be("tenant=blue");
        var access = await proxy.Logs.WaitForAsync(e => e.Properties.TryGetValue("TraceId", out var id) && id.ToString() == $"\"{traceId.ToHexString()}\"" && e.Properties.ContainsKey("StatusCode"));
        received[0].Parent![36..52].Should().Be(access.Properties["SpanId"].ToString().Trim('"'), "the upstream's parent id is the span id in the proxy's access log");
        received[1].Parent.Should().MatchRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", "a caller without trace context gets one started for it")
            .And.NotContain(traceId.ToHexString());
        received[1].State.Should().BeNull();
        received[2].Parent.Should().MatchRegex($"^00-{unsampled.Headers.GetValues("traceparent").Single()[3..35]}-[0-9a-f]{{16}}-00$", "not sampled by the caller: not sampled upstream");
        received[3].Parent.Should().MatchRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$").And.NotContain(new string('0', 32), "an invalid traceparent starts a new trace");
        received[3].State.Should().BeNull("a tracestate belongs to the traceparent it came with, which was dropped");
    }

    [Fact]
    public async Task Otlp_ReceivesTheProxysServerAndClientSpans_InTheClientsTrace_AndItsMetrics()
    {
        string? seen = null;
        await using var upstream = await TestUpstream.StartAsync(app => app.MapGet("/t", (HttpContext context) =>
        {
            seen = context.Request.Headers["traceparent"];
            return "ok";
        }));
        await using var collector = await OtlpReceiver.StartAsync();
        var config = new TestConfig(_dir.Path).Route("t", "/t", "app").Cluster("app", upstream.Url)
            .Set("EdgeProxy:Telemetry:OtlpEndpoint", collector.Url)
            .Set("OTEL_BSP_SCHEDULE_DELAY", "200"); // OpenTelemetry reads its OTEL_* settings from configuration too
        var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient(http2: true);
        using var request = CallerTrace.SampledRequest("/t", out var traceId, out var parent);

        (await client.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.OK);

        // The upstream runs in this process, and OpenTelemetry listens process-wide: its server span may arrive too.
        (await Eventually.EqualsAsync(() => Task.FromResult(collector.Spans.Any(s => s.TraceId == traceId && s.Kind == ActivityKind.Client)), true))
            .Should().BeTrue("the outgoing span reaches the collector within a few batch intervals");
        var spans = collector.Spans.Where(s => s.TraceId == traceId).ToList();
        var server = spans.Single(s => s.Kind == ActivityKind.Server && s.ParentSpanId == parent);
        var outgoing = spans.Single(s => s.Kind == ActivityKind.Client);
        seen.Should().Be($"00-{traceId.ToHexString()}-{outgoing.SpanId.ToHexString()}-01", "the upstream's parent is the proxy's outgoing span");
        var ancestors = new List<ActivitySpanId>();
        for (var span = outgoing; span is not null; span = spans.FirstOrDefault(s => s.SpanId == span.ParentSpanId))
        {
            ancestors.Add(span.ParentSpanId);
        }

        ancestors.Should().Contain(server.SpanId, "the outgoing span descends from the proxy's server span");

        // Metrics go every 60 s by default; stopping the proxy flushes them.
        await proxy.DisposeAsync();
        collector.MetricNames.Should().Contain(["edgeproxy.requests", "edgeproxy.request.duration"], $"metrics are exported over OTLP too ({collector.MetricExports} exports)");
    }

    /// <summary>The sample of <paramref name="metric"/> whose labels include every pair in <paramref name="labels"/> (any order).</summary>
    internal static double Value(string exposition, string metric, string labels)
    {
        var wanted = labels.Split("\",", StringSplitOptions.RemoveEmptyEntries).Select(p => p.TrimEnd('"') + "\"").ToArray();
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(metric + "{", StringComparison.Ordinal) && wanted.All(pair => line.Contains(pair, StringComparison.Ordinal)))
            {
                return double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new Xunit.Sdk.XunitException($"{metric}{{{labels}}} not found in:\n{exposition}");
    }
}
