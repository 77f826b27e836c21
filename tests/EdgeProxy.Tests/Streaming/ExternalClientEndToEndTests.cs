using System.Text.Json;
using EdgeProxy.Streaming;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Streaming;

/// <summary>Clients no one here wrote, as real peers: the Node "ws" package and curl -N.</summary>
public sealed class ExternalClientEndToEndTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private readonly TempDirectory _dir = new();
    private StreamingProxy _env = null!;
    private string _root = null!;

    public async Task InitializeAsync()
    {
        _env = await StreamingProxy.StartAsync(output, config => config.Set("EdgeProxy:Streaming:Policies:WebSocket:Heartbeat", "100ms"));
        _root = TestPki.Instance.WriteRootPem(_dir.Path);
    }

    public async Task DisposeAsync()
    {
        await _env.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    [Fact]
    public async Task NodeWs_GetsPingsBetweenIntactEchoes_AndItsPongsStopAtTheProxy()
    {
        var id = Guid.NewGuid().ToString("N");
        using var node = ExternalPeer.StartNode("ws-client.mjs", new Dictionary<string, string> { ["NODE_EXTRA_CA_CERTS"] = _root },
            $"wss://127.0.0.1:{_env.Proxy.HttpsPort}/raw-ws/{id}", "6", "300");

        var line = await node.ReadLineAsync(Bound);
        output.WriteLine(line + "\n" + node.Stderr);
        var summary = JsonDocument.Parse(line!).RootElement;

        summary.GetProperty("protocol").GetString().Should().Be("streamlit");
        summary.GetProperty("echoes").EnumerateArray().Select(e => e.GetString()).Should().Equal(
            Enumerable.Range(0, 6).Select(i => $"message {i} " + new string('x', i * 1000)));
        summary.GetProperty("pings").GetInt32().Should().BeGreaterThanOrEqualTo(3, "the upstream was quiet for 5 x 300 ms with a 100 ms heartbeat");
        summary.GetProperty("closeCode").GetInt32().Should().Be(1000);
        byte[] raw;
        lock (_env.Upstream.RawReceived[id])
        {
            raw = _env.Upstream.RawReceived[id].ToArray();
        }

        RawFrames.Decode(raw).Should().NotContain(f => f.Opcode == WebSocketFrames.OpcodePong, "ws answered every ping; the proxy consumed the answers");
    }

    [Fact]
    public async Task CurlNoBuffer_PrintsEachEvent_BeforeTheUpstreamWritesTheNext()
    {
        var id = Guid.NewGuid().ToString("N");
        var chunks = _env.Upstream.Stream(id);
        using var curl = ExternalPeer.Start("curl", ["-sSN", "--cacert", _root, $"https://127.0.0.1:{_env.Proxy.HttpsPort}/stream/{id}"]);
        await _env.Upstream.WhenHeadersSent(id).WaitAsync(Bound);

        for (var i = 1; i <= 3; i++)
        {
            await chunks.WriteAsync($"data: {i}\n\n");
            (await curl.ReadLineAsync(Bound)).Should().Be($"data: {i}");
            (await curl.ReadLineAsync(Bound)).Should().BeEmpty();
        }

        chunks.Complete();
        (await curl.ReadLineAsync(Bound)).Should().BeNull();
    }
}
