using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Streaming;

public sealed class SseEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private StreamingProxy _env = null!;

    public async Task InitializeAsync() => _env = await StreamingProxy.StartAsync(output);

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Theory]
    [InlineData("/stream/{id}", false)]
    [InlineData("/stream/{id}", true)]
    [InlineData("/sse/stream/{id}", false)]
    [InlineData("/stream/{id}?type=application/x-ndjson", true)]
    [InlineData("/ndjson/stream/{id}?type=application/x-ndjson", false)]
    public async Task Headers_ReachClient_BeforeAnyBodyByte_AndEachChunkBeforeTheNextIsWritten(string path, bool http2)
    {
        var id = Guid.NewGuid().ToString("N");
        using var client = _env.Proxy.CreateClient(http2: http2);
        var chunks = _env.Upstream.Stream(id);

        using var response = await client.GetAsync(path.Replace("{id}", id), HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);

        // The upstream has written no body byte yet: only its headers exist.
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Version.Should().Be(http2 ? HttpVersion.Version20 : HttpVersion.Version11);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body);

        await chunks.WriteAsync("data: first\n\n");
        (await reader.ReadLineAsync().WaitAsync(Bound)).Should().Be("data: first");
        (await reader.ReadLineAsync().WaitAsync(Bound)).Should().BeEmpty();

        // The second chunk does not exist until the first has been read by the client.
        await chunks.WriteAsync("data: second\n\n");
        (await reader.ReadLineAsync().WaitAsync(Bound)).Should().Be("data: second");
        (await reader.ReadLineAsync().WaitAsync(Bound)).Should().BeEmpty();
        chunks.Complete();
        (await reader.ReadToEndAsync().WaitAsync(Bound)).Should().BeEmpty();
    }

    [Fact]
    public async Task HundredEvents_10msApart_EachArrivesPromptly()
    {
        var id = Guid.NewGuid().ToString("N");
        using var client = _env.Proxy.CreateClient();
        var chunks = _env.Upstream.Stream(id);
        using var response = await client.GetAsync($"/stream/{id}", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var producer = Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await chunks.WriteAsync($"data: {i} {{ts}}\n\n");
                await Task.Delay(10);
            }

            chunks.Complete();
        });

        var delays = new List<double>();
        while (await reader.ReadLineAsync().WaitAsync(Bound) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var written = long.Parse(line.Split(' ')[2]);
                delays.Add(Stopwatch.GetElapsedTime(written).TotalMilliseconds);
            }
        }

        await producer;
        delays.Should().HaveCount(100);
        delays.Sort();
        var median = delays[50];
        var max = delays[^1];
        output.WriteLine($"SSE delay through the proxy over 100 events: median {median:0.00} ms, max {max:0.00} ms");
        median.Should().BeLessThan(100, "a buffering proxy delivers most events hundreds of ms late");
        max.Should().BeLessThan(2000);
    }

    [Theory]
    [InlineData("/buffered/stream/{id}?type=text/plain&accel=no")]
    [InlineData("/stream/{id}?type=text/plain&accel=no")]
    public async Task XAccelBufferingNo_StreamsUnbuffered_AndIsRemoved(string path)
    {
        var id = Guid.NewGuid().ToString("N");
        using var client = _env.Proxy.CreateClient();
        var chunks = _env.Upstream.Stream(id);

        using var response = await client.GetAsync(path.Replace("{id}", id), HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);

        response.Headers.Contains("X-Accel-Buffering").Should().BeFalse();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await chunks.WriteAsync("line one\n");
        (await reader.ReadLineAsync().WaitAsync(Bound)).Should().Be("line one");
        chunks.Complete();
    }

    [Fact]
    public async Task XAccelBufferingYes_IsRemovedToo()
    {
        var id = Guid.NewGuid().ToString("N");
        using var client = _env.Proxy.CreateClient();
        var chunks = _env.Upstream.Stream(id);
        chunks.Complete();

        using var response = await client.GetAsync($"/stream/{id}?type=text/plain&accel=yes").WaitAsync(Bound);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.Contains("X-Accel-Buffering").Should().BeFalse();
    }

    [Theory]
    [InlineData("/sse/stream/{id}")] // Sse route
    [InlineData("/stream/{id}")]     // Auto route that finds text/event-stream in the response
    public async Task QuietSseStream_OutlivesClusterActivityTimeout(string path)
    {
        var id = Guid.NewGuid().ToString("N");
        using var client = _env.Proxy.CreateClient();
        var chunks = _env.Upstream.Stream(id);
        using var response = await client.GetAsync(path.Replace("{id}", id), HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await chunks.WriteAsync("data: before\n\n");
        (await reader.ReadLineAsync().WaitAsync(Bound)).Should().Be("data: before");

        await Task.Delay(TimeSpan.FromSeconds(3)); // the scenario: upstream silent for 3x the cluster's ActivityTimeout

        await chunks.WriteAsync("data: after\n\n");
        (await reader.ReadLineAsync().WaitAsync(Bound)).Should().BeEmpty();
        (await reader.ReadLineAsync().WaitAsync(Bound)).Should().Be("data: after");
        chunks.Complete();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OrdinaryRoute_OnSameCluster_IsCutAtActivityTimeout_With504(bool http2)
    {
        using var client = _env.Proxy.CreateClient(http2: http2);
        var clock = Stopwatch.StartNew();

        using var response = await client.GetAsync("/slow?ms=3000").WaitAsync(Bound);

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromMilliseconds(2900), "the cluster allows 1 s of silence; the upstream answers only after 3 s");
        response.StatusCode.Should().Be(HttpStatusCode.GatewayTimeout);
        (await response.Content.ReadAsStringAsync()).Should().Contain("route 'auto'").And.Contain("timed out");
    }
}
