using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using EdgeProxy.Streaming;
using EdgeProxy.Tests.Infrastructure;
using Serilog.Events;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Streaming;

/// <summary>
/// Limits far enough away to wait in the shared <see cref="DeadlineSweep"/> (here: a 100-ms tick, 500 ms
/// threshold, so a limit of a second or two waits there first) still fire on time, in the request's trace.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class DeadlineSweepEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private StreamingProxy _env = null!;
    private DeadlineSweep _sweep = null!;

    public async Task InitializeAsync()
    {
        _env = await StreamingProxy.StartAsync(
            output,
            config => config
                .Set("ReverseProxy:Clusters:app:HttpRequest:ActivityTimeout", "00:00:10")
                .Set("EdgeProxy:Streaming:Policies:Buffered:RequestTimeout", "2s")
                .Set("EdgeProxy:Streaming:Policies:Ndjson:IdleTimeout", "1500ms")
                .Set("EdgeProxy:Streaming:Policies:WebSocket:IdleTimeout", "2s"),
            services => services.AddSingleton(new DeadlineSweep(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500))));
        _sweep = _env.Proxy.Services.GetRequiredService<DeadlineSweep>();
    }

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OrdinaryRequest_WaitsInTheSweep_ThenGets504AtItsTotalLimit_LoggedInItsTrace(bool http2)
    {
        using var client = _env.Proxy.CreateClient(http2: http2);
        using var request = CallerTrace.SampledRequest("/slow?ms=8000", out var traceId, out _);
        var clock = Stopwatch.StartNew();

        var sending = client.SendAsync(request);
        var waited = await Eventually.EqualsAsync(() => Task.FromResult(_sweep.Count > 0), true, seconds: 1);
        using var response = await sending.WaitAsync(Bound);
        var took = clock.Elapsed;

        waited.Should().BeTrue("a 2-s limit is beyond the 500-ms threshold: no timer of its own yet");
        response.StatusCode.Should().Be(HttpStatusCode.GatewayTimeout);
        took.Should().BeGreaterThan(TimeSpan.FromMilliseconds(1900)).And.BeLessThan(TimeSpan.FromMilliseconds(3500), "handed back before the limit, it fires at 2 s, not at a later tick (the upstream answers at 8 s)");
        var ended = await _env.Proxy.Logs.WaitForAsync(e => Ended(e, "Auto") is not null && e.TraceId == traceId);
        Ended(ended, "Auto").Should().Be("RequestTimeout", "the timer the sweep created runs in the request's context, so its log line carries the caller's trace");
        (await Eventually.EqualsAsync(() => Task.FromResult(_sweep.Count), 0)).Should().Be(0, "nothing is left waiting once the exchange is over");
    }

    [Fact]
    public async Task StreamWithTraffic_StaysOpenPastItsIdleLimit_ThenEndsAfterItGoesQuiet()
    {
        var id = Guid.NewGuid().ToString("N");
        using var client = _env.Proxy.CreateClient();
        var chunks = _env.Upstream.Stream(id);
        using var response = await client.GetAsync($"/ndjson/stream/{id}?type=application/x-ndjson", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 8; i++)
        {
            await chunks.WriteAsync($"{{\"n\":{i}}}\n");
            (await reader.ReadLineAsync().WaitAsync(Bound)).Should().Be($"{{\"n\":{i}}}");
            await Task.Delay(500);
        }

        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(3500), "traffic every 500 ms kept a 1.5-s idle limit away");
        var lastWrite = Stopwatch.StartNew();
        var readRest = async () => await reader.ReadToEndAsync().WaitAsync(Bound);

        await readRest.Should().ThrowAsync<IOException>("the response has started, so the proxy can only cut the connection");
        lastWrite.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(900)).And.BeLessThan(TimeSpan.FromMilliseconds(3000), "1.5 s after the last chunk (500 ms of which had passed)");
        await _env.Proxy.Logs.WaitForAsync(e => Ended(e, "Ndjson") == "IdleTimeout");
    }

    [Fact]
    public async Task IdleWebSocket_IsEndedAtItsIdleLimit_AndTheSweepThenStopsTicking()
    {
        using var socket = await WebSocketClients.ConnectAsync(_env.Proxy, "/ws-route/ws", http2: false);
        await socket.SendTextAsync("hello");
        (await socket.ReceiveTextAsync()).Should().Be("hello");
        var clock = Stopwatch.StartNew();

        var receive = async () => await socket.ReceiveAsync(new byte[1024], CancellationToken.None).WaitAsync(Bound);

        await receive.Should().ThrowAsync<WebSocketException>();
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromMilliseconds(4000), "the 2-s idle limit ended it, not the 10-s cluster backstop");
        await _env.Proxy.Logs.WaitForAsync(e => Ended(e, "WebSocket") == "IdleTimeout");
        (await Eventually.EqualsAsync(() => Task.FromResult(_sweep.IsTicking), false)).Should().BeFalse("an empty sweep costs no wake-ups");
    }

    /// <summary>The reason of a "proxy ended the exchange" event under <paramref name="policy"/>, else null.</summary>
    private static string? Ended(LogEvent e, string policy) =>
        e.MessageTemplate.Text.Contains("proxy ended the exchange") && e.Properties["Policy"].ToString() == $"\"{policy}\""
            ? e.Properties["Reason"].ToString().Trim('"')
            : null;
}
