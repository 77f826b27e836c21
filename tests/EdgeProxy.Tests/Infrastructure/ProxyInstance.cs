using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Configuration;
using EdgeProxy.Tls;
using Serilog;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// The real proxy, composed by the same <c>Program.Build</c> as <c>EdgeProxy run</c>, on loopback with
/// ephemeral ports read back from the bound listeners.
/// </summary>
public sealed class ProxyInstance : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ListenerBinder _listeners;

    private ProxyInstance(WebApplication app, TestConfig config, string configPath, LogSink logs)
    {
        _app = app;
        Config = config;
        ConfigPath = configPath;
        Logs = logs;
        _listeners = app.Services.GetRequiredService<ListenerBinder>();
    }

    public TestConfig Config { get; }

    public string ConfigPath { get; }

    public LogSink Logs { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Server certificates seen by clients of this instance, in handshake order.</summary>
    public ConcurrentQueue<X509Certificate2> SeenServerCertificates { get; } = new();

    public int HttpsPort => Port(ListenerKind.Https);

    public int HttpPort => Port(ListenerKind.Http);

    public int AdminPort => Port(ListenerKind.Admin);

    public static async Task<ProxyInstance> StartAsync(TestConfig config, ITestOutputHelper? output, params string[] extraArgs)
    {
        var path = config.Write();
        var logs = new LogSink(output);
        var app = Program.Build(new CommandLine("run", path, extraArgs), config.Directory, logger => logger.MinimumLevel.Debug().WriteTo.Sink(logs));
        await app.StartAsync();
        return new ProxyInstance(app, config, path, logs);
    }

    /// <summary>Rewrites the config file atomically; the proxy polls it.</summary>
    public void WriteConfig() => Config.Write();

    internal int Port(ListenerKind kind) => _listeners.Listeners.First(l => l.Kind == kind).BoundPort;

    /// <summary>
    /// An HttpClient for https://{host}:{HttpsPort}/ whose connections go to 127.0.0.1 whatever the host
    /// (so SNI and Host carry <paramref name="host"/>), trusting only the test PKI, with the certificates
    /// the server sent as the only intermediates.
    /// </summary>
    public HttpClient CreateClient(string host = "localhost", bool http2 = false, TestPki? pki = null, bool trustAny = false)
    {
        pki ??= TestPki.Instance;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, HttpsPort, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    var leaf = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
                    SeenServerCertificates.Enqueue(leaf);
                    return trustAny || pki.Validates(leaf, chain!.ChainPolicy.ExtraStore);
                },
            },
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"https://{host}:{HttpsPort}/"),
            DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public HttpClient CreatePlainClient(int port) => new(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }
}
