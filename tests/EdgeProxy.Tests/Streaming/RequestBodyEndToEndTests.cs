using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Streaming;

[Collection(RunsAlone.Name)]
public sealed class RequestBodyEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long FiftyMegabytes = 50L * 1024 * 1024;
    private StreamingProxy _env = null!;

    public async Task InitializeAsync() => _env = await StreamingProxy.StartAsync(output, config => config
        .Set("EdgeProxy:Streaming:Policies:Buffered:MaxRequestBodySize", "50MB"));

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public async Task OversizedUpload_Gets413WithClearBody_AndUpstreamNeverSeesItAll(bool http2, bool declareLength)
    {
        var id = Guid.NewGuid().ToString("N");
        using var client = _env.Proxy.CreateClient(http2: http2);
        using var content = new StreamContent(new GeneratedStream(FiftyMegabytes + (1024 * 1024), declareLength));
        if (declareLength)
        {
            content.Headers.ContentLength = FiftyMegabytes + (1024 * 1024);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/upload/{id}") { Content = content };
        request.Headers.ExpectContinue = declareLength; // as curl does for large uploads: the 413 comes before the body

        using var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(30));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await response.Content.ReadAsStringAsync()).Should().Be($"413 Payload Too Large: route 'auto' accepts request bodies up to {FiftyMegabytes} bytes\n");
        var upstreamSaw = _env.Upstream.Uploads.TryGetValue(id, out var upload) && upload.Task.IsCompletedSuccessfully ? await upload.Task : 0;
        upstreamSaw.Should().BeLessThan(FiftyMegabytes + (1024 * 1024));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FiftyMegabyteUpload_StreamsThrough_WithBoundedMemory(bool http2)
    {
        var id = Guid.NewGuid().ToString("N");
        using var client = _env.Proxy.CreateClient(http2: http2);
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        var before = process.WorkingSet64;
        var peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                await Task.Delay(20);
            }
        });
        using var content = new StreamContent(new GeneratedStream(FiftyMegabytes, declareLength: false));
        content.Headers.ContentLength = FiftyMegabytes;

        using var response = await client.PostAsync($"/upload/{id}", content).WaitAsync(TimeSpan.FromSeconds(60));
        await sampling.CancelAsync();
        await sampler;

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be($"received {FiftyMegabytes}");
        var growth = (peak - before) / (1024.0 * 1024.0);
        output.WriteLine($"50 MB upload over {(http2 ? "HTTP/2" : "HTTP/1.1")}: process working set {before / 1048576.0:0} MB before, peak {peak / 1048576.0:0} MB (+{growth:0.0} MB; client, proxy and upstream share this process)");
        growth.Should().BeLessThan(40, "a proxy that buffered the upload would hold all 50 MB");
    }

    /// <summary>Produces a body of the given length without holding it in memory.</summary>
    private sealed class GeneratedStream(long length, bool declareLength) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => declareLength ? length : throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            buffer[..n].Fill((byte)'a');
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>
/// Tests that read process-wide state run alone: the process's memory, or exact metric values
/// (OpenTelemetry subscribes to meters by name process-wide, so proxies running in parallel in one test
/// process would add their series to each other's /metrics).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "Runs alone";
}
