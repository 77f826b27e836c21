using System.Text.Json;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Streaming;

public sealed class SseHeartbeatEndToEndTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private readonly TempDirectory _dir = new();
    private StreamingProxy _env = null!;

    public async Task InitializeAsync() => _env = await StreamingProxy.StartAsync(output, config => config
        .Set("EdgeProxy:Streaming:Policies:Sse:Heartbeat", "150ms"));

    public async Task DisposeAsync()
    {
        await _env.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Keepalive_IsInsertedOnlyBetweenEvents_WhenTheUpstreamIsQuiet(bool http2)
    {
        var id = Guid.NewGuid().ToString("N");
        using var client = _env.Proxy.CreateClient(http2: http2);
        using var response = await client.GetAsync($"/sse/stream/{id}", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var script = PlayScriptAsync(id);
        var lines = new List<string>();
        while (await reader.ReadLineAsync().WaitAsync(Bound) is { } line)
        {
            lines.Add(line);
        }

        await script;
        output.WriteLine(string.Join("\\n", lines));
        WithoutKeepalives(lines).Should().Equal("data: a", "data: b", "", "id: 7", "data: c", "", "data: d", "");
        var firstKeepalive = lines.IndexOf(": keepalive");
        firstKeepalive.Should().BeGreaterThan(lines.IndexOf("data: b"), "the 600 ms quiet spell inside the first event must not be filled");
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i] == ": keepalive")
            {
                lines[i - 1].Should().BeEmpty("a keepalive follows a blank line (the end of an event)");
                lines[i + 1].Should().BeEmpty();
            }
        }

        lines.Count(l => l == ": keepalive").Should().BeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task NodeEventSource_AndCurl_ParseEveryEventIntact_WhileHeartbeatsAreInserted()
    {
        var root = TestPki.Instance.WriteRootPem(_dir.Path);
        var forNode = Guid.NewGuid().ToString("N");
        var forCurl = Guid.NewGuid().ToString("N");
        var baseUrl = $"https://127.0.0.1:{_env.Proxy.HttpsPort}/sse/stream/";
        using var node = ExternalPeer.StartNode("sse-client.mjs", new Dictionary<string, string> { ["NODE_EXTRA_CA_CERTS"] = root }, baseUrl + forNode, "3");
        using var curl = ExternalPeer.Start("curl", ["-sSN", "--cacert", root, baseUrl + forCurl]);

        (await node.ReadLineAsync(Bound)).Should().Be("""{"kind":"open"}""", node.Stderr);
        await _env.Upstream.WhenHeadersSent(forCurl).WaitAsync(Bound);
        await Task.WhenAll(PlayScriptAsync(forNode), PlayScriptAsync(forCurl));

        var messages = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            messages.Add(JsonDocument.Parse((await node.ReadLineAsync(Bound))!).RootElement);
        }

        messages.Select(m => m.GetProperty("kind").GetString()).Should().AllBe("message");
        messages.Select(m => m.GetProperty("data").GetString()).Should().Equal("a\nb", "c", "d");
        messages[1].GetProperty("id").GetString().Should().Be("7");

        var raw = await curl.ReadAllLinesAsync(Bound);
        output.WriteLine("curl -N saw:\n" + string.Join('\n', raw));
        raw.Should().Contain(": keepalive", "curl read the same kind of stream with the same timing; heartbeats were in it");
        WithoutKeepalives(raw).Should().Equal("data: a", "data: b", "", "id: 7", "data: c", "", "data: d", "");
    }

    /// <summary>The stream as the upstream wrote it: each ": keepalive" line and the blank line ending it removed.</summary>
    private static List<string> WithoutKeepalives(List<string> lines)
    {
        var result = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i] == ": keepalive")
            {
                i++;
                continue;
            }

            result.Add(lines[i]);
        }

        return result;
    }

    /// <summary>An event split by a quiet spell, a quiet spell between events, then the stream ends.</summary>
    private async Task PlayScriptAsync(string id)
    {
        var chunks = _env.Upstream.Stream(id);
        await _env.Upstream.WhenHeadersSent(id).WaitAsync(Bound);
        await chunks.WriteAsync("data: a\n");
        await Task.Delay(600);
        await chunks.WriteAsync("data: b\n\n");
        await Task.Delay(600);
        await chunks.WriteAsync("id: 7\ndata: c\n\n");
        await Task.Delay(600);
        await chunks.WriteAsync("data: d\n\n");
        chunks.Complete();
    }
}
