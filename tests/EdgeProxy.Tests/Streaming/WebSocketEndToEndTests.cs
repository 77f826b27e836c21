using System.Net.WebSockets;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Streaming;

public sealed class WebSocketEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private StreamingProxy _env = null!;

    public async Task InitializeAsync() => _env = await StreamingProxy.StartAsync(output);

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Theory]
    [InlineData("/ws", false)]
    [InlineData("/ws", true)]
    [InlineData("/ws-route/ws", false)]
    [InlineData("/ws-route/ws", true)]
    public async Task Echo_WorksOverHttp11UpgradeAndHttp2ExtendedConnect_WithSubprotocol(string path, bool http2)
    {
        using var socket = await WebSocketClients.ConnectAsync(_env.Proxy, path, http2, "streamlit", "other");

        socket.SubProtocol.Should().Be("streamlit");
        await socket.SendTextAsync("who");
        (await socket.ReceiveTextAsync()).Should().Be("protocol=streamlit;http=HTTP/1.1");
        await socket.SendTextAsync(new string('x', 100_000));
        (await socket.ReceiveTextAsync()).Should().HaveLength(100_000);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.NormalClosure);
    }

    [Theory]
    [InlineData("/ws", false)]        // Auto route: the 101 makes it a WebSocket
    [InlineData("/ws-route/ws", true)] // WebSocket route over HTTP/2
    public async Task QuietWebSocket_OutlivesClusterActivityTimeout(string path, bool http2)
    {
        using var socket = await WebSocketClients.ConnectAsync(_env.Proxy, path, http2);
        await socket.SendTextAsync("one");
        (await socket.ReceiveTextAsync()).Should().Be("one");

        await Task.Delay(TimeSpan.FromSeconds(3)); // the scenario: 3x the cluster's 1 s ActivityTimeout without a byte

        await socket.SendTextAsync("two");
        (await socket.ReceiveTextAsync()).Should().Be("two");
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
