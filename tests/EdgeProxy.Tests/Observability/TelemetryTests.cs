using System.Diagnostics;
using System.Net;
using EdgeProxy.Tests.Infrastructure;
using OpenTelemetry.Trace;
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
        var config = new TestConfig(_dir.Path).Route("app", "/{**rest}", "app").Cluster("app", upstream.Url).Route("dead", "/dead/{**rest}", "dead").Cluster("dead", closed);
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
        metrics.Should().Contain("kestrel_active_connections").And.Contain("kestrel_tls_handshake_duration_seconds_count");
        (await (await client.GetAsync("/metrics")).Content.ReadAsStringAsync()).Should().NotContain("edgeproxy_requests_total", "public listeners never serve metrics");
    }

    [Fact]
    public async Task Traceparent_ContinuesTheClientsTrace_AndSpansAreRecorded()
    {
        string? seen = null;
        await using var upstream = await TestUpstream.StartAsync(app => app.MapGet("/t", (HttpContext context) =>
        {
            seen = context.Request.Headers["traceparent"];
            return "ok";
        }));
        var exported = new LockedCollection<Activity>(); // every in-process activity is exported here, from other tests' threads too
        var path = new TestConfig(_dir.Path).Route("t", "/t", "app").Cluster("app", upstream.Url).Write();
        var app = Program.Build(new EdgeProxy.Configuration.CommandLine("run", path, []), _dir.Path,
            extraServices: services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exported)));
        await app.StartAsync();
        try
        {
            var port = app.Services.GetRequiredService<EdgeProxy.Tls.ListenerBinder>().HttpsPort!.Value;
            using var client = TestClients.Https(port);
            var traceId = ActivityTraceId.CreateRandom();
            var parent = ActivitySpanId.CreateRandom();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/t");
            request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{parent.ToHexString()}-01");

            (await client.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.OK);

            seen.Should().StartWith($"00-{traceId.ToHexString()}-").And.NotContain(parent.ToHexString(), "the upstream sees a child of the proxy's span, not the client's span");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (exported.Snapshot().Count(s => s.TraceId == traceId) < 2 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            var spans = exported.Snapshot().Where(s => s.TraceId == traceId).ToList();

            // The upstream runs in this process too, so its server span is in the same trace: ours is the child of the client's span.
            var server = spans.Single(s => s.TraceId == traceId && s.Kind == ActivityKind.Server && s.ParentSpanId == parent);
            var outgoing = spans.Single(s => s.TraceId == traceId && s.Kind == ActivityKind.Client);
            seen.Should().Contain(outgoing.SpanId.ToHexString(), "the upstream's parent is the proxy's outgoing span");
            var ancestors = new List<ActivitySpanId>();
            for (var span = outgoing; span is not null; span = spans.FirstOrDefault(s => s.SpanId == span.ParentSpanId))
            {
                ancestors.Add(span.ParentSpanId);
            }

            ancestors.Should().Contain(server.SpanId, "the outgoing span descends from the proxy's server span");

            // A caller without trace context still gets one started for it (not recorded without an exporter).
            seen = null;
            (await client.GetAsync("/t")).StatusCode.Should().Be(HttpStatusCode.OK);
            seen.Should().MatchRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$").And.NotContain(traceId.ToHexString());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>The sample of <paramref name="metric"/> whose labels include every pair in <paramref name="labels"/> (any order).</summary>
    private static double Value(string exposition, string metric, string labels)
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

    /// <summary>A collection the exporter can add to from any thread while the test reads snapshots.</summary>
    private sealed class LockedCollection<T> : ICollection<T>
    {
        private readonly List<T> _items = [];

        public int Count
        {
            get
            {
                lock (_items)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public List<T> Snapshot()
        {
            lock (_items)
            {
                return [.. _items];
            }
        }

        public void Add(T item)
        {
            lock (_items)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_items)
            {
                _items.Clear();
            }
        }

        public bool Contains(T item) => Snapshot().Contains(item);

        public void CopyTo(T[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

        public bool Remove(T item)
        {
            lock (_items)
            {
                return _items.Remove(item);
            }
        }

        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
