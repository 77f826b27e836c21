using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tests.Streaming;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Tls;

/// <summary>
/// Kestrel:Endpoints (and the admin URLs) edited on a running proxy: the changed listener is rebound, as Kestrel's
/// own endpoint reload does, and a WebSocket open on another listener carries on as if nothing happened.
/// </summary>
public sealed class ListenerReloadTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private StreamingUpstream _upstream = null!;
    private ProxyInstance _proxy = null!;
    private ClientWebSocket _socket = null!;

    private TestConfig Config => _proxy.Config;

    public async Task InitializeAsync()
    {
        _upstream = await StreamingUpstream.StartAsync();
        var config = new TestConfig(_dir.Path).Route("all", "{**any}", "app").Cluster("app", _upstream.Url);
        _proxy = await ProxyInstance.StartAsync(config, output);

        // Open on the Https listener before anything changes; each test proves it still echoes afterwards.
        _socket = await WebSocketClients.ConnectAsync(_proxy, "/ws", http2: false);
        await _socket.SendTextAsync("before");
        (await _socket.ReceiveTextAsync()).Should().Be("before");
    }

    public async Task DisposeAsync()
    {
        _socket.Dispose();
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task NewListener_IsBoundOnReload_AndTheWebSocketOnAnotherListenerSurvives()
    {
        var port = TestClients.FreePort();
        Config.Set("Kestrel:Endpoints:Second:Url", $"https://127.0.0.1:{port}");
        Config.Set("Kestrel:Endpoints:Second:Certificate", Config.Root["Kestrel"]!["Endpoints"]!["Https"]!["Certificate"]!.DeepClone());
        _proxy.WriteConfig();

        (await Eventually.EqualsAsync(() => AnswersAsync(port), true)).Should().BeTrue("the new listener answers without a restart");
        using var client = TestClients.Https(port);
        (await client.GetAsync("/slow?ms=1")).StatusCode.Should().Be(HttpStatusCode.OK, "it proxies like the others");
        await _proxy.Logs.WaitForAsync(e => e.RenderMessage().StartsWith("Listeners reloaded", StringComparison.Ordinal));

        await AssertWebSocketSurvivedAsync();
    }

    [Fact]
    public async Task ChangedUrl_MovesOnlyThatListener()
    {
        var oldPort = _proxy.HttpPort;
        var newPort = TestClients.FreePort();
        Config.Set("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{newPort}");
        _proxy.WriteConfig();

        (await Eventually.EqualsAsync(() => RedirectsAsync(newPort), true)).Should().BeTrue("the redirect listener moved to its new port");
        await Eventually.RefusedAsync(oldPort, "the old port is released");
        _proxy.HttpPort.Should().Be(newPort);

        await AssertWebSocketSurvivedAsync();
    }

    [Fact]
    public async Task ChangedProtocols_ApplyToThatListenerOnly()
    {
        var https = _proxy.HttpsPort;
        var port = TestClients.FreePort();
        Config.Set("Kestrel:Endpoints:Second:Url", $"https://127.0.0.1:{port}");
        _proxy.WriteConfig();
        (await Eventually.EqualsAsync(() => AlpnAsync(port), SslApplicationProtocol.Http2)).Should().Be(SslApplicationProtocol.Http2);

        Config.Set("Kestrel:Endpoints:Second:Protocols", "Http1");
        _proxy.WriteConfig();

        (await Eventually.EqualsAsync(() => AlpnAsync(port), SslApplicationProtocol.Http11)).Should().Be(SslApplicationProtocol.Http11, "HTTP/2 is no longer offered there");
        (await TlsProbe.HandshakeAsync(https, "localhost", alpn: [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11])).Alpn
            .Should().Be(SslApplicationProtocol.Http2, "the other listener keeps its protocols");
        await AssertWebSocketSurvivedAsync();
    }

    [Fact]
    public async Task AdminUrls_MoveOnReload()
    {
        var port = TestClients.FreePort();
        Config.Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{port}");
        _proxy.WriteConfig();

        using var admin = TestClients.Plain(port);
        (await Eventually.EqualsAsync(async () => await TryStatusAsync(admin, "/healthz"), HttpStatusCode.OK)).Should().Be(HttpStatusCode.OK);
        await AssertWebSocketSurvivedAsync();
    }

    [Fact]
    public async Task KeyReadOnlyAtStart_IsLogged_AndListedInReadyz_AsRestartRequired()
    {
        Config.Set("Kestrel:Limits:MaxRequestHeadersTotalSize", 16384);
        _proxy.WriteConfig();

        var logged = await _proxy.Logs.WaitForAsync(e => e.RenderMessage().StartsWith("restart required", StringComparison.Ordinal));
        logged.RenderMessage().Should().Contain("Kestrel:Limits:MaxRequestHeadersTotalSize");
        using var admin = TestClients.Plain(_proxy.AdminPort);
        using var ready = await admin.GetAsync("/readyz");
        ready.StatusCode.Should().Be(HttpStatusCode.OK, "the proxy serves on, with the rest of the file applied");
        (await ready.Content.ReadAsStringAsync()).Should().Contain("restart required: Kestrel:Limits:MaxRequestHeadersTotalSize changed");
        await AssertWebSocketSurvivedAsync();
    }

    private async Task AssertWebSocketSurvivedAsync()
    {
        _socket.State.Should().Be(WebSocketState.Open);
        await _socket.SendTextAsync("after");
        (await _socket.ReceiveTextAsync()).Should().Be("after", "the WebSocket on the Https listener was never touched");
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        try
        {
            return (await TlsProbe.HandshakeAsync(port, "localhost")).Leaf is not null;
        }
        catch (Exception ex) when (ex is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            return false;
        }
    }

    private static async Task<SslApplicationProtocol> AlpnAsync(int port)
    {
        try
        {
            return (await TlsProbe.HandshakeAsync(port, "localhost", alpn: [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11])).Alpn;
        }
        catch (Exception ex) when (ex is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            return default;
        }
    }

    private static async Task<bool> RedirectsAsync(int port)
    {
        using var client = TestClients.Plain(port);
        return await TryStatusAsync(client, "/x") == HttpStatusCode.PermanentRedirect;
    }

    private static async Task<HttpStatusCode?> TryStatusAsync(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(path);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
