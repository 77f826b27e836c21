using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tests.Streaming;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.RateLimiting;

/// <summary>
/// Concurrency limits hold open streams too: one client's flood of WebSockets gets only its share (the rest 429 at the
/// upgrade, before the upstream), other clients and a probe are still answered, and closing sockets frees permits. Per
/// route, requests in flight are limited whoever sends them, with a queue.
/// Runs alone: it reads exact decision counters in /metrics (see <see cref="RateLimitEndToEndTests"/>).
/// </summary>
[Collection(Streaming.RunsAlone.Name)]
public sealed class ConcurrencyLimitEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int PerClient = 10;
    private readonly string _path = $"/ws/{Guid.NewGuid():N}";
    private RateLimitProxy _env = null!;

    public async Task InitializeAsync() => _env = await RateLimitProxy.StartAsync(output, config => config
        .Set("EdgeProxy:RateLimiting:Policies:sockets:Kind", "Concurrency")
        .Set("EdgeProxy:RateLimiting:Policies:sockets:PermitLimit", PerClient)
        .Set("EdgeProxy:RateLimiting:Policies:in-flight:Kind", "Concurrency")
        .Set("EdgeProxy:RateLimiting:Policies:in-flight:PartitionBy", "Route")
        .Set("EdgeProxy:RateLimiting:Policies:in-flight:PermitLimit", 2)
        .Set("EdgeProxy:RateLimiting:Policies:in-flight:QueueLimit", 1)
        .Route("ws", "/ws/{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.Stream"] = "WebSocket" })
        .Set("ReverseProxy:Routes:ws:RateLimiterPolicy", "sockets")
        .Route("busy", "/busy/{**rest}", "app")
        .Set("ReverseProxy:Routes:busy:RateLimiterPolicy", "in-flight")
        .Route("free", "/free/{**rest}", "app"));

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FloodOfWebSockets_FromOneClient_GetsItsShare_WhileOthersAndAProbeAreAnswered(bool http2)
    {
        var flooder = IPAddress.Parse(http2 ? "127.0.0.81" : "127.0.0.82");
        var neighbour = IPAddress.Parse(http2 ? "127.0.0.83" : "127.0.0.84");
        var attempts = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => TryOpenAsync(flooder, http2)));
        var open = attempts.Where(a => a.Socket is not null).Select(a => a.Socket!).ToList();
        try
        {
            var refused = attempts.Where(a => a.Socket is null).ToList();
            output.WriteLine($"opened {open.Count}, refused {refused.Count}: {string.Join(", ", refused.Select(r => r.Status).Distinct())}");
            open.Should().HaveCount(PerClient, "the client may hold 10 WebSockets at once");
            refused.Should().OnlyContain(r => r.Status == HttpStatusCode.TooManyRequests);
            _env.Reached.GetValueOrDefault(_path).Should().Be(PerClient, "refused upgrades never reached the upstream");
            foreach (var socket in open)
            {
                await socket.SendTextAsync("still here");
                (await socket.ReceiveTextAsync()).Should().Be("still here", "the admitted sockets keep working");
            }

            using var neighbourSocket = await _env.WebSocketFromAsync(neighbour, _path, http2);
            await neighbourSocket.SendTextAsync("hello");
            (await neighbourSocket.ReceiveTextAsync()).Should().Be("hello", "another client has its own 10");
            using var probe = _env.From(flooder, http2);
            var clock = Stopwatch.StartNew();
            using var probed = await RateLimitProxy.GetAsync(probe, "/free/probe");
            probed.StatusCode.Should().Be(HttpStatusCode.OK, "the flooder's other requests are not held up");
            output.WriteLine($"probe answered in {clock.ElapsedMilliseconds} ms");

            await open[0].CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            open[0].Dispose();
            open.RemoveAt(0);
            var reopened = await Eventually.EqualsAsync(async () => (await TryOpenAsync(flooder, http2)) is { Socket: { } socket } && Keep(open, socket), true);
            reopened.Should().BeTrue("a closed socket gives its permit back");
        }
        finally
        {
            foreach (var socket in open)
            {
                socket.Abort();
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task PerRoute_RequestsInFlight_AreLimitedWhoeverSendsThem_WithAQueue()
    {
        using var a = _env.From(IPAddress.Parse("127.0.0.85"));
        using var b = _env.From(IPAddress.Parse("127.0.0.86"));
        var path = $"/busy/{Guid.NewGuid():N}";
        var slow = new[] { RateLimitProxy.GetAsync(a, path + "?ms=1500"), RateLimitProxy.GetAsync(b, path + "?ms=1500") };
        await Eventually.EqualsAsync(() => Task.FromResult(_env.Reached.GetValueOrDefault(path) == 2), true);
        var clock = Stopwatch.StartNew();
        var queued = RateLimitProxy.GetAsync(a, path + "?ms=0");
        await Task.Delay(200);
        using var refused = await RateLimitProxy.GetAsync(b, path + "?ms=0");
        var refusedAfter = clock.Elapsed;
        using var queuedResponse = await queued;
        var queuedAfter = clock.Elapsed;
        foreach (var response in await Task.WhenAll(slow))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Dispose();
        }

        refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "two in flight and one waiting fill the route");
        refusedAfter.Should().BeLessThan(TimeSpan.FromMilliseconds(1200), "refused at once, not after waiting");
        refused.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1), "a concurrency limit knows no time; it suggests 1 s");
        queuedResponse.StatusCode.Should().Be(HttpStatusCode.OK, "the queued request got the first permit freed");
        queuedAfter.Should().BeGreaterThan(TimeSpan.FromMilliseconds(900), "it waited for one of the slow requests to finish");
        using var free = await RateLimitProxy.GetAsync(b, "/free/x");
        free.StatusCode.Should().Be(HttpStatusCode.OK);

        using var admin = _env.Proxy.CreatePlainClient(_env.Proxy.AdminPort);
        var metrics = "";
        await Eventually.EqualsAsync(async () => (metrics = await admin.GetStringAsync("/metrics")).Contains("decision=\"queued\",policy=\"in-flight\""), true);
        metrics.Should().MatchRegex("edgeproxy_rate_limit_decisions_total\\{[^}]*decision=\"queued\",policy=\"in-flight\"[^}]*\\} 1\\b", "the request that waited for a permit is counted as queued, not allowed")
            .And.MatchRegex("edgeproxy_rate_limit_decisions_total\\{[^}]*decision=\"rejected\",policy=\"in-flight\"[^}]*\\} 1\\b")
            .And.MatchRegex("edgeproxy_rate_limit_decisions_total\\{[^}]*decision=\"allowed\",policy=\"in-flight\"[^}]*\\} 2\\b");
    }

    private static bool Keep(List<ClientWebSocket> open, ClientWebSocket socket)
    {
        open.Add(socket);
        return true;
    }

    private Task<(ClientWebSocket? Socket, HttpStatusCode Status)> TryOpenAsync(IPAddress source, bool http2) => _env.TryWebSocketFromAsync(source, _path, http2);
}
