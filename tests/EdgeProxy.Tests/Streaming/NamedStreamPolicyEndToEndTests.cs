using System.Net;
using System.Text.Json;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Streaming;

/// <summary>
/// Two routes in one file, each naming a policy of its own (<c>EdgeProxy.StreamPolicy</c>), both Auto, each handing
/// event streams to an Sse policy of its own: every limit is observed through real sockets on the route that set it.
/// </summary>
public sealed class NamedStreamPolicyEndToEndTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();
    private StreamingProxy _env = null!;

    public async Task InitializeAsync() => _env = await StreamingProxy.StartAsync(output, config =>
    {
        config
            .Set("EdgeProxy:Streaming:Policies:alpha:Mode", "Auto")
            .Set("EdgeProxy:Streaming:Policies:alpha:MaxRequestBodySize", "100KB")
            .Set("EdgeProxy:Streaming:Policies:alpha:Sse", "alpha-events")
            .Set("EdgeProxy:Streaming:Policies:alpha-events:Mode", "Sse")
            .Set("EdgeProxy:Streaming:Policies:alpha-events:Heartbeat", "200ms")
            .Set("EdgeProxy:Streaming:Policies:alpha-events:IdleTimeout", "1500ms")
            .Set("EdgeProxy:Streaming:Policies:beta:Mode", "Auto")
            .Set("EdgeProxy:Streaming:Policies:beta:MaxRequestBodySize", "300KB")
            .Set("EdgeProxy:Streaming:Policies:beta:Sse", "beta-events")
            .Set("EdgeProxy:Streaming:Policies:beta-events:Mode", "Sse")
            .Set("EdgeProxy:Streaming:Policies:beta-events:Heartbeat", "700ms")
            .Set("EdgeProxy:Streaming:Policies:beta-events:IdleTimeout", "3500ms");
        foreach (var name in new[] { "alpha", "beta" })
        {
            config.Route(name, $"/{name}/{{**rest}}", "app", new Dictionary<string, string> { ["EdgeProxy.StreamPolicy"] = name })
                .Set($"ReverseProxy:Routes:{name}:Transforms:0:PathRemovePrefix", "/" + name);
        }
    });

    public async Task DisposeAsync() => await _env.DisposeAsync();

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EachRoute_RefusesBodiesOverItsOwnPolicysLimit(bool http2)
    {
        using var client = _env.Proxy.CreateClient(http2: http2);

        using var alphaOver = await PostAsync(client, "/alpha", 200 * 1024);
        using var betaUnder = await PostAsync(client, "/beta", 200 * 1024);
        using var betaOver = await PostAsync(client, "/beta", 400 * 1024);
        using var alphaUnder = await PostAsync(client, "/alpha", 90 * 1024);

        alphaOver.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await alphaOver.Content.ReadAsStringAsync()).Should().Be("413 Payload Too Large: route 'alpha' accepts request bodies up to 102400 bytes\n");
        betaUnder.StatusCode.Should().Be(HttpStatusCode.OK, "200 KB is within beta's 300 KB");
        (await betaUnder.Content.ReadAsStringAsync()).Should().Be($"received {200 * 1024}");
        betaOver.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await betaOver.Content.ReadAsStringAsync()).Should().Be("413 Payload Too Large: route 'beta' accepts request bodies up to 307200 bytes\n");
        alphaUnder.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task NodeEventSource_SeesEachRoutesHeartbeat_AndEachIdleLimitEndsItsStreamOnTime()
    {
        var root = TestPki.Instance.WriteRootPem(_dir.Path);
        var environment = new Dictionary<string, string> { ["NODE_EXTRA_CA_CERTS"] = root };
        var baseUrl = $"https://127.0.0.1:{_env.Proxy.HttpsPort}";

        // Both streams open at once and the upstream stays quiet: heartbeats fill the silence, and do not count as activity.
        using var alpha = ExternalPeer.StartNode("sse-timing.mjs", environment, $"{baseUrl}/alpha/stream/{Guid.NewGuid():N}", "12");
        using var beta = ExternalPeer.StartNode("sse-timing.mjs", environment, $"{baseUrl}/beta/stream/{Guid.NewGuid():N}", "12");
        var alphaEvents = await ReadUntilEndAsync(alpha);
        var betaEvents = await ReadUntilEndAsync(beta);

        var alphaGaps = Gaps(alphaEvents);
        var betaGaps = Gaps(betaEvents);
        output.WriteLine($"alpha: {string.Join(", ", alphaEvents.Select(e => $"{e.Kind}@{e.At}"))}\nbeta: {string.Join(", ", betaEvents.Select(e => $"{e.Kind}@{e.At}"))}");
        alphaEvents[0].Kind.Should().Be("open", alpha.Stderr);
        betaEvents[0].Kind.Should().Be("open", beta.Stderr);
        alphaGaps.Should().HaveCountGreaterThanOrEqualTo(3, "1.5 s of silence with a 200 ms heartbeat");
        betaGaps.Should().HaveCountGreaterThanOrEqualTo(3, "3.5 s of silence with a 700 ms heartbeat");
        Median(alphaGaps).Should().BeInRange(150, 450, "alpha-events' heartbeat is 200 ms");
        Median(betaGaps).Should().BeInRange(600, 1100, "beta-events' heartbeat is 700 ms");

        var alphaOpenFor = alphaEvents[^1].At - alphaEvents[0].At;
        var betaOpenFor = betaEvents[^1].At - betaEvents[0].At;
        alphaEvents[^1].Kind.Should().Be("error", "alpha's 1.5 s idle limit ended the stream (heartbeats are not activity)");
        betaEvents[^1].Kind.Should().Be("error", "beta's 3.5 s idle limit ended the stream");
        // Measured from the client's "open", which comes after the proxy's idle clock started (at the upstream's
        // headers): a busy machine delays it, so the lower bounds allow 500 ms (a CI run read 3,163 ms for beta's 3.5 s)
        // and still tell each route's limit from the other's.
        alphaOpenFor.Should().BeInRange(1000, 2900);
        betaOpenFor.Should().BeInRange(3000, 5300);

        foreach (var route in (string[])["\"alpha\"", "\"beta\""])
        {
            // Written when the proxy has finished the exchange, which can be just after the client saw its stream end.
            await _env.Proxy.Logs.WaitForAsync(e => e.MessageTemplate.Text.Contains("stream closed") && e.Properties["RouteId"].ToString() == route);
        }

        var closed = _env.Proxy.Logs.Events.Where(e => e.MessageTemplate.Text.Contains("stream closed")).Select(e => (Route: e.Properties["RouteId"].ToString(), Policy: e.Properties["Policy"].ToString(), Reason: e.Properties["Reason"].ToString())).ToList();
        closed.Should().Contain(("\"alpha\"", "\"alpha-events\"", "\"idle timeout\"")).And.Contain(("\"beta\"", "\"beta-events\"", "\"idle timeout\""));
    }

    /// <summary>Named policies follow the file through IOptionsMonitor: a changed limit, and a policy the reload adds.</summary>
    [Fact]
    public async Task Reload_ChangesANamedPolicysLimit_AndARouteMayNameAPolicyTheReloadAdds()
    {
        using var client = _env.Proxy.CreateClient(http2: true);
        using (var before = await PostAsync(client, "/alpha", 200 * 1024))
        {
            before.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge, "alpha starts at 100 KB");
        }

        _env.Proxy.Config
            .Set("EdgeProxy:Streaming:Policies:alpha:MaxRequestBodySize", "250KB")
            .Set("EdgeProxy:Streaming:Policies:gamma:Mode", "Buffered")
            .Set("EdgeProxy:Streaming:Policies:gamma:MaxRequestBodySize", "10KB")
            .Set("ReverseProxy:Routes:beta:Metadata", new Dictionary<string, string> { ["EdgeProxy.StreamPolicy"] = "gamma" });
        _env.Proxy.WriteConfig();

        var raised = await Eventually.EqualsAsync(async () =>
        {
            using var response = await PostAsync(client, "/alpha", 200 * 1024);
            return response.StatusCode;
        }, HttpStatusCode.OK);
        raised.Should().Be(HttpStatusCode.OK, "the reloaded alpha accepts 250 KB");
        using var betaOver = await PostAsync(client, "/beta", 20 * 1024);
        betaOver.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge, "beta now runs under gamma, added by the same reload");
        (await betaOver.Content.ReadAsStringAsync()).Should().Be("413 Payload Too Large: route 'beta' accepts request bodies up to 10240 bytes\n");
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string prefix, int bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{prefix}/upload/{Guid.NewGuid():N}") { Content = new ByteArrayContent(new byte[bytes]) };
        request.Headers.ExpectContinue = true; // as curl does for large uploads: a 413 comes before the body, not into a closing connection
        return await client.SendAsync(request).WaitAsync(Bound);
    }

    private static async Task<List<(string Kind, int At)>> ReadUntilEndAsync(ExternalPeer peer)
    {
        var events = new List<(string Kind, int At)>();
        while (await peer.ReadLineAsync(Bound) is { } line)
        {
            var json = JsonDocument.Parse(line).RootElement;
            events.Add((json.GetProperty("kind").GetString()!, json.GetProperty("at").GetInt32()));
            if (events[^1].Kind is "error" or "timeout")
            {
                break;
            }
        }

        return events;
    }

    /// <summary>Time between consecutive heartbeats, the first measured from the stream's open.</summary>
    private static List<int> Gaps(List<(string Kind, int At)> events)
    {
        var marks = events.Where(e => e.Kind is "open" or "comment").Select(e => e.At).ToList();
        return marks.Zip(marks.Skip(1), (a, b) => b - a).ToList();
    }

    private static int Median(List<int> values) => values.Order().ElementAt(values.Count / 2);
}
