using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.RateLimiting;

/// <summary>
/// A proxy in front of an upstream that counts what reaches it (per path), with 127.0.0.2 as a trusted proxy. The upstream
/// answers <c>/slow?ms=N</c> after N ms, echoes WebSockets on <c>/ws</c>, and answers anything else at once.
/// </summary>
internal sealed class RateLimitProxy : IAsyncDisposable
{
    public static readonly IPAddress TrustedPeer = IPAddress.Parse("127.0.0.2");

    private readonly TempDirectory _dir;

    private RateLimitProxy(TempDirectory dir, TestUpstream upstream, ProxyInstance proxy, ConcurrentDictionary<string, int> reached)
    {
        _dir = dir;
        Upstream = upstream;
        Proxy = proxy;
        Reached = reached;
    }

    public TestUpstream Upstream { get; }

    public ProxyInstance Proxy { get; }

    /// <summary>Requests the upstream received, by path.</summary>
    public ConcurrentDictionary<string, int> Reached { get; }

    public static async Task<RateLimitProxy> StartAsync(ITestOutputHelper? output, Action<TestConfig> configure)
    {
        var dir = new TempDirectory();
        var reached = new ConcurrentDictionary<string, int>();
        var upstream = await TestUpstream.StartAsync(app =>
        {
            app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
            app.Use((context, next) =>
            {
                reached.AddOrUpdate(context.Request.Path.Value!, 1, (_, n) => n + 1);
                return next(context);
            });
            app.Map("/{**rest}", EchoAsync);
        });
        var config = new TestConfig(dir.Path)
            .Set("EdgeProxy:TrustedProxies:Networks", new[] { TrustedPeer.ToString() })
            .Cluster("app", upstream.Url);
        configure(config);
        var proxy = await ProxyInstance.StartAsync(config, output);
        return new RateLimitProxy(dir, upstream, proxy, reached);
    }

    /// <summary>An HttpClient whose connections leave from <paramref name="source"/>.</summary>
    public HttpClient From(IPAddress source, bool http2 = false) => SourceBoundClient.Create(source, IPAddress.Loopback, Proxy.HttpsPort, http2: http2);

    public static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>A WebSocket to the proxy from <paramref name="source"/>; throws when the upgrade is refused.</summary>
    public async Task<ClientWebSocket> WebSocketFromAsync(IPAddress source, string path, bool http2 = false) =>
        await TryWebSocketFromAsync(source, path, http2) is { Socket: { } socket } ? socket : throw new WebSocketException("the upgrade was refused");

    /// <summary>A WebSocket to the proxy from <paramref name="source"/>, or null and the status that refused the upgrade.</summary>
    public async Task<(ClientWebSocket? Socket, HttpStatusCode Status)> TryWebSocketFromAsync(IPAddress source, string path, bool http2 = false)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.HttpVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    tcp.Bind(new IPEndPoint(source, 0));
                    await tcp.ConnectAsync(IPAddress.Loopback, Proxy.HttpsPort, cancel);
                    return new NetworkStream(tcp, ownsSocket: true);
                }
                catch
                {
                    tcp.Dispose();
                    throw;
                }
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                    TestPki.Instance.Validates(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData()), chain!.ChainPolicy.ExtraStore),
            },
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await socket.ConnectAsync(new Uri($"wss://localhost:{Proxy.HttpsPort}{path}"), new HttpMessageInvoker(handler), cts.Token);
            return (socket, socket.HttpStatusCode);
        }
        catch (WebSocketException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return (null, status);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
        _dir.Dispose();
    }

    private static async Task EchoAsync(HttpContext context)
    {
        if (context.WebSockets.IsWebSocketRequest)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await WebSocketReplies.ServeAsync(context, socket, text => text);
            return;
        }

        if (int.TryParse(context.Request.Query["ms"], out var ms))
        {
            await Task.Delay(ms, context.RequestAborted);
        }

        await context.Response.WriteAsync("ok " + context.Request.Path);
    }
}
