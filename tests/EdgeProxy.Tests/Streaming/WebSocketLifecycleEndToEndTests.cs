using System.Diagnostics;
using System.Net.WebSockets;
using EdgeProxy.Streaming;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Streaming;

[Collection(RunsAlone.Name)]
public sealed class WebSocketLifecycleEndToEndTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Shutdown_SendsClose1001ToTheClient_InsteadOfDroppingTheSocket(bool http2)
    {
        await using var env = await StreamingProxy.StartAsync(output);
        using var socket = await WebSocketClients.ConnectAsync(env.Proxy, "/ws", http2);
        await socket.SendTextAsync("before");
        (await socket.ReceiveTextAsync()).Should().Be("before");
        var clock = Stopwatch.StartNew();

        var stopping = env.Proxy.StopAsync();
        var result = await socket.ReceiveAsync(new byte[1024], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        result.MessageType.Should().Be(WebSocketMessageType.Close);
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        socket.CloseStatusDescription.Should().Be("EdgeProxy is shutting down");
        await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "ok", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await stopping.WaitAsync(TimeSpan.FromSeconds(15));
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(8), "the close handshake ends the exchange; the 10 s shutdown timeout is not needed");
        await env.Proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("sent close 1001 to the client") && e.RenderMessage().Contains("shutting down"));
    }

    [Fact]
    public async Task MaxDuration_SendsClose1001_AndLogsTheReason()
    {
        await using var env = await StreamingProxy.StartAsync(output, config => config
            .Set("EdgeProxy:Streaming:Policies:WebSocket:MaxDuration", "2s")
            .Set("EdgeProxy:Streaming:Policies:WebSocket:IdleTimeout", "2s"));
        using var socket = await WebSocketClients.ConnectAsync(env.Proxy, "/ws", http2: false);
        await socket.SendTextAsync("hello");
        (await socket.ReceiveTextAsync()).Should().Be("hello");

        var result = await socket.ReceiveAsync(new byte[1024], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        result.MessageType.Should().Be(WebSocketMessageType.Close);
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        socket.CloseStatusDescription.Should().Be("maximum duration 00:00:02 reached");
        await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await env.Proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("maximum duration"));
    }

    [Fact]
    public async Task IdleTimeout_OnAWebSocketRoute_EndsAQuietSocket()
    {
        await using var env = await StreamingProxy.StartAsync(output, config => config
            .Set("EdgeProxy:Streaming:Policies:WebSocket:IdleTimeout", "2s")); // not less: a cold first handshake can take a second
        using var socket = await WebSocketClients.ConnectAsync(env.Proxy, "/ws-route/ws", http2: false);
        await socket.SendTextAsync("hello");
        (await socket.ReceiveTextAsync()).Should().Be("hello");

        var receive = async () => await socket.ReceiveAsync(new byte[1024], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        await receive.Should().ThrowAsync<WebSocketException>();
        await env.Proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("IdleTimeout"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Heartbeat_PingsDoNotCorruptMessages_AndTheClientsPongsNeverReachTheUpstream(bool http2)
    {
        await using var env = await StreamingProxy.StartAsync(output, config => config
            .Set("EdgeProxy:Streaming:Policies:WebSocket:Heartbeat", "100ms"));
        var id = Guid.NewGuid().ToString("N");
        using var socket = await WebSocketClients.ConnectAsync(env.Proxy, $"/raw-ws/{id}", http2, "streamlit");
        socket.SubProtocol.Should().Be("streamlit");

        for (var i = 0; i < 10; i++)
        {
            var message = new string((char)('a' + i), 70_000 * (i % 3)) + i; // small and 64-bit-length frames
            await socket.SendTextAsync(message);
            (await socket.ReceiveTextAsync()).Should().Be(message);
            await Task.Delay(250); // quiet spells: the proxy pings the client, which answers with pongs
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        byte[] raw;
        var record = env.Upstream.RawReceived[id];
        lock (record)
        {
            raw = record.ToArray();
        }

        var frames = RawFrames.Decode(raw);
        frames.Where(f => f.Opcode is 0x1 or 0x0).Should().HaveCount(10);
        frames.Should().NotContain(f => f.Opcode == WebSocketFrames.OpcodePong, "pongs answering the proxy's pings are consumed by the proxy");
        frames.Last().Opcode.Should().Be(WebSocketFrames.OpcodeClose);
    }
}
