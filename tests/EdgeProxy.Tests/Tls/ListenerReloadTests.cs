using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tests.Streaming;
using Serilog.Events;
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
        var port = await BindSecondAsync();
        (await AlpnTextAsync(port)).Should().Be("h2");

        Config.Set("Kestrel:Endpoints:Second:Protocols", "Http1");
        _proxy.WriteConfig();

        // As text, so a failure says what the listener did instead (refused, a failed handshake, no ALPN) and what the proxy logged.
        // 30 s: Kestrel's stop of the old listener may wait 6 s for its connections, and a failed bind is retried after 10 s.
        (await Eventually.EqualsAsync(() => AlpnTextAsync(port), "http/1.1", seconds: 30)).Should().Be("http/1.1",
            "HTTP/2 is no longer offered there; the proxy logged (warnings and up):\n{0}", string.Join('\n', _proxy.Logs.Events.Where(e => e.Level >= LogEventLevel.Warning).Select(e => e.RenderMessage())));
        (await TlsProbe.HandshakeAsync(https, "localhost", alpn: [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11])).Alpn
            .Should().Be(SslApplicationProtocol.Http2, "the other listener keeps its protocols");
        await AssertWebSocketSurvivedAsync();
    }

    [Fact]
    public async Task MovedToAPortInUse_IsRefused_AndTheListenerServesOnWhereItWas()
    {
        var port = await BindSecondAsync();

        var busy = TestClients.FreePort();
        using var other = new TcpListener(IPAddress.Loopback, busy); // another process's listener, as far as the proxy can tell
        other.Start();
        Config.Set("Kestrel:Endpoints:Second:Url", $"https://127.0.0.1:{busy}");
        _proxy.WriteConfig();

        var refused = await _proxy.Logs.WaitForAsync(e => e.Level == LogEventLevel.Error && e.RenderMessage().Contains($"port {busy}", StringComparison.Ordinal));
        refused.RenderMessage().Should().Contain("rejected, still serving the last good configuration")
            .And.Contain($"FAIL Kestrel:Endpoints:Second:Url: https://127.0.0.1:{busy}: port {busy} is in use by another process");
        (await AnswersAsync(port)).Should().BeTrue("Kestrel never unbound the listener: the reload was refused before it");
        using var admin = TestClients.Plain(_proxy.AdminPort);
        (await admin.GetAsync("/readyz")).StatusCode.Should().Be(HttpStatusCode.OK);

        // The port is free again: the same file, saved again, applies.
        other.Stop();
        _proxy.WriteConfig();
        (await Eventually.EqualsAsync(() => AnswersAsync(busy), true)).Should().BeTrue("the listener moved once its new port was free");
        await Eventually.RefusedAsync(port, "and left its old one");
        await AssertWebSocketSurvivedAsync();
    }

    [Fact]
    public async Task AListenerKestrelCouldNotBind_MakesReadyzNameIt_AndIsBoundOnceItsAddressIsFree()
    {
        var port = await BindSecondAsync();

        // Another process holds the port on another loopback address. The reload's check passes (the port is the
        // proxy's own until Kestrel unbinds it), then Kestrel's bind to every address of this port fails.
        using var other = new TcpListener(IPAddress.Parse("127.0.0.2"), port);
        other.Start();
        Config.Set("Kestrel:Endpoints:Second:Url", $"https://*:{port}");
        _proxy.WriteConfig();

        var logged = await _proxy.Logs.WaitForAsync(e => e.Level == LogEventLevel.Error && e.RenderMessage().Contains("could not be bound after the reload", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        logged.RenderMessage().Should().Contain("Second").And.Contain($"port {port} is in use by another process");
        using var admin = TestClients.Plain(_proxy.AdminPort);
        using (var ready = await admin.GetAsync("/readyz"))
        {
            ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "a listener the configuration names serves nothing");
            (await ready.Content.ReadAsStringAsync()).Should().StartWith($"not ready: listener 'Second' (https://*:{port}) is not bound");
        }

        other.Stop();
        (await Eventually.EqualsAsync(() => AnswersAsync(port), true)).Should().BeTrue("the listener is bound as soon as its address is free, without another reload");
        (await Eventually.EqualsAsync(async () => await TryStatusAsync(admin, "/readyz"), HttpStatusCode.OK)).Should().Be(HttpStatusCode.OK);
        await _proxy.Logs.WaitForAsync(e => e.RenderMessage().StartsWith("Listeners bound again", StringComparison.Ordinal));
        await AssertWebSocketSurvivedAsync();
    }

    [Fact]
    public async Task AnAdminListenerKestrelCouldNotBind_IsLogged_AndBoundOnceItsAddressIsFree()
    {
        var port = await MoveAdminAsync();
        using var admin = TestClients.Plain(port);
        using var other = new TcpListener(IPAddress.Parse("127.0.0.2"), port); // passes the check: the port is the proxy's own
        other.Start();
        Config.Set("EdgeProxy:Admin:Urls", $"http://*:{port}");
        _proxy.WriteConfig();

        var logged = await _proxy.Logs.WaitForAsync(e => e.Level == LogEventLevel.Error && e.RenderMessage().Contains("could not be bound after the reload", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        logged.RenderMessage().Should().Contain("admin listener").And.Contain($"http://*:{port}").And.Contain($"port {port} is in use by another process");
        (await TryStatusAsync(admin, "/healthz")).Should().BeNull("nothing serves the admin paths meanwhile");

        other.Stop();
        (await Eventually.EqualsAsync(async () => await TryStatusAsync(admin, "/readyz"), HttpStatusCode.OK)).Should().Be(HttpStatusCode.OK, "bound again once free, without a reload, and ready");
        await _proxy.Logs.WaitForAsync(e => e.RenderMessage().StartsWith("Listeners bound again", StringComparison.Ordinal));
        await AssertWebSocketSurvivedAsync();
    }

    [Fact]
    public async Task MovedToAnAddressThisHostDoesNotHave_IsRefused()
    {
        // 192.0.2.0/24 is TEST-NET-1: never a local address, so the bind fails with "Cannot assign requested address".
        Config.Set("Kestrel:Endpoints:Http:Url", $"http://192.0.2.1:{TestClients.FreePort()}");
        _proxy.WriteConfig();

        var refused = await _proxy.Logs.WaitForAsync(e => e.Level == LogEventLevel.Error && e.RenderMessage().Contains("192.0.2.1", StringComparison.Ordinal));
        refused.RenderMessage().Should().Contain("FAIL Kestrel:Endpoints:Http:Url: http://192.0.2.1:").And.Contain("cannot be bound");
        (await RedirectsAsync(_proxy.HttpPort)).Should().BeTrue("the http listener still redirects where it was");
        await AssertWebSocketSurvivedAsync();
    }

    [Fact]
    public async Task AdminUrls_MovedToAPortInUse_AreRefused()
    {
        var busy = TestClients.FreePort();
        using var other = new TcpListener(IPAddress.Loopback, busy);
        other.Start();
        Config.Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{busy}");
        _proxy.WriteConfig();

        var refused = await _proxy.Logs.WaitForAsync(e => e.Level == LogEventLevel.Error && e.RenderMessage().Contains($"port {busy}", StringComparison.Ordinal));
        refused.RenderMessage().Should().Contain($"FAIL EdgeProxy:Admin:Urls: http://127.0.0.1:{busy}: port {busy} is in use by another process");
        using var admin = TestClients.Plain(_proxy.AdminPort);
        (await TryStatusAsync(admin, "/healthz")).Should().Be(HttpStatusCode.OK, "the admin listener is still where it was");
    }

    [Fact]
    public async Task AdminUrls_MoveOnReload()
    {
        await MoveAdminAsync();
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

    /// <summary>Adds the listener "Second" (self-signed, both protocols) on a free port, and waits until it answers.</summary>
    private async Task<int> BindSecondAsync()
    {
        var port = TestClients.FreePort();
        Config.Set("Kestrel:Endpoints:Second:Url", $"https://127.0.0.1:{port}");
        _proxy.WriteConfig();
        (await Eventually.EqualsAsync(() => AnswersAsync(port), true)).Should().BeTrue("the listener is bound where it is free");
        return port;
    }

    /// <summary>Moves the admin listener to a free port, and waits until it answers there.</summary>
    private async Task<int> MoveAdminAsync()
    {
        var port = TestClients.FreePort();
        Config.Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{port}");
        _proxy.WriteConfig();
        using var admin = TestClients.Plain(port);
        (await Eventually.EqualsAsync(async () => await TryStatusAsync(admin, "/healthz"), HttpStatusCode.OK)).Should().Be(HttpStatusCode.OK, "the admin listener moved");
        return port;
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

    private static async Task<string> AlpnTextAsync(int port)
    {
        try
        {
            var alpn = (await TlsProbe.HandshakeAsync(port, "localhost", alpn: [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11])).Alpn;
            return alpn == default ? "(handshake done, no protocol negotiated)" : alpn.ToString();
        }
        catch (Exception ex) when (ex is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
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
