using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Streaming;

/// <summary>
/// A proxy with a <see cref="StreamingUpstream"/> behind it and one route per stream mode:
/// <c>/sse/*</c> Sse, <c>/ndjson/*</c> Ndjson, <c>/ws-route/*</c> WebSocket, <c>/buffered/*</c> Buffered
/// (each prefix removed before forwarding), everything else Auto. The cluster's ActivityTimeout is 1 s.
/// </summary>
internal sealed class StreamingProxy : IAsyncDisposable
{
    private readonly TempDirectory _dir;

    private StreamingProxy(TempDirectory dir, StreamingUpstream upstream, ProxyInstance proxy)
    {
        _dir = dir;
        Upstream = upstream;
        Proxy = proxy;
    }

    public StreamingUpstream Upstream { get; }

    public ProxyInstance Proxy { get; }

    public static async Task<StreamingProxy> StartAsync(ITestOutputHelper output, Action<TestConfig>? configure = null, Action<IServiceCollection>? services = null)
    {
        var dir = new TempDirectory();
        var upstream = await StreamingUpstream.StartAsync();
        var pki = TestPki.Instance;
        var (cert, key) = pki.WritePem(pki.IssueServer("localhost", ["localhost", "127.0.0.1"]), dir.Combine("certs"), "server");
        var config = new TestConfig(dir.Path)
            .WithCertificate(cert, key)
            .Route("auto", "{**catch-all}", "app")
            .Cluster("app", upstream.Url)
            .Set("ReverseProxy:Clusters:app:HttpRequest:ActivityTimeout", "00:00:01");
        foreach (var (prefix, mode) in new[] { ("sse", "Sse"), ("ndjson", "Ndjson"), ("ws-route", "WebSocket"), ("buffered", "Buffered") })
        {
            config.Route(prefix, $"/{prefix}/{{**rest}}", "app", new Dictionary<string, string> { ["EdgeProxy.Stream"] = mode })
                .Set($"ReverseProxy:Routes:{prefix}:Transforms", new[] { new Dictionary<string, string> { ["PathRemovePrefix"] = "/" + prefix } });
        }

        configure?.Invoke(config);
        var proxy = await ProxyInstance.StartAsync(config, output, services);

        // Warm up both protocols so a cold first request cannot exceed the 1 s limits some tests rely on.
        foreach (var http2 in new[] { false, true })
        {
            using var client = proxy.CreateClient(http2: http2);
            using var warm = await client.GetAsync("/slow?ms=0").WaitAsync(TimeSpan.FromSeconds(15));
        }

        return new StreamingProxy(dir, upstream, proxy);
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
        _dir.Dispose();
    }
}
