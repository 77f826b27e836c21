using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Configuration;
using EdgeProxy.Tls;
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

    public static Task<ProxyInstance> StartAsync(TestConfig config, ITestOutputHelper? output, params string[] extraArgs) =>
        StartAsync(config, output, services: null, extraArgs);

    /// <param name="config">The configuration file the proxy runs on.</param>
    /// <param name="output">The test output the proxy's log is also written to; null for none.</param>
    /// <param name="services">Registrations added after the proxy's own (the last registration of a service wins).</param>
    /// <param name="extraArgs">Command-line overrides (<c>Section:Key=value</c>), as after <c>EdgeProxy run</c>.</param>
    public static async Task<ProxyInstance> StartAsync(TestConfig config, ITestOutputHelper? output, Action<IServiceCollection>? services, params string[] extraArgs)
    {
        return await StartAtAsync(config.Write(), config, output, services, extraArgs);
    }

    /// <summary>Starts on a file the test laid out itself (e.g. a <see cref="KubeletVolume"/>); <paramref name="config"/> is not written.</summary>
    public static async Task<ProxyInstance> StartAtAsync(string path, TestConfig config, ITestOutputHelper? output, Action<IServiceCollection>? services = null, params string[] extraArgs)
    {
        var logs = new LogSink(output);
        var app = Program.Build(new CommandLine("run", path, extraArgs), config.Directory, logger => logger.MinimumLevel.Debug().WriteTo.Sink(logs), services);
        await app.StartAsync();
        return new ProxyInstance(app, config, path, logs);
    }

    /// <summary>Rewrites the config file atomically; the proxy polls it.</summary>
    public void WriteConfig() => Config.Write();

    internal int Port(ListenerKind kind) => _listeners.Listeners.First(l => l.Kind == kind).BoundPort;

    /// <summary>An HttpClient for this instance's https listener; see <see cref="TestClients.Https"/>.</summary>
    public HttpClient CreateClient(string host = "localhost", bool http2 = false, TestPki? pki = null, bool trustAny = false) =>
        TestClients.Https(HttpsPort, host, http2, pki, trustAny, SeenServerCertificates.Enqueue);

    public HttpClient CreatePlainClient(int port) => TestClients.Plain(port);

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
