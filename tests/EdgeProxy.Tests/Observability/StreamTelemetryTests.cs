using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Serilog.Events;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Observability;

/// <summary>Every way a stream ends is logged with its reason, byte counts and duration, and counted in the stream metrics.</summary>
[Collection(EdgeProxy.Tests.Streaming.RunsAlone.Name)]
public sealed class StreamTelemetryTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Task<TestUpstream> SseUpstream() => TestUpstream.StartAsync(app => app.MapGet("/sse/{mode}", async (HttpContext context, string mode) =>
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.WriteAsync("data: first\n\n");
        await context.Response.Body.FlushAsync();
        try
        {
            switch (mode)
            {
                case "finite":
                    await context.Response.WriteAsync("data: last\n\n");
                    return;
                case "silent":
                    await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
                    return;
                default: // chatty: an event every 200 ms until someone ends it
                    while (!context.RequestAborted.IsCancellationRequested)
                    {
                        await Task.Delay(200, context.RequestAborted);
                        await context.Response.WriteAsync("data: tick\n\n", context.RequestAborted);
                        await context.Response.Body.FlushAsync(context.RequestAborted);
                    }

                    return;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }));

    private async Task<ProxyInstance> Proxy(TestUpstream upstream) => await ProxyInstance.StartAsync(new TestConfig(_dir.Path)
        .Set("EdgeProxy:Streaming:Policies:Sse:IdleTimeout", "1s")
        .Set("EdgeProxy:Streaming:Policies:Sse:MaxDuration", "3s")
        .Route("events", "/sse/{**rest}", "app").Cluster("app", upstream.Url), output);

    private static async Task<LogEvent> Closed(ProxyInstance proxy, string reason) =>
        await proxy.Logs.WaitForAsync(e => e.MessageTemplate.Text.Contains("stream closed") && e.Properties["Reason"].ToString() == $"\"{reason}\"", TimeSpan.FromSeconds(15));

    [Theory]
    [InlineData("finite", "upstream closed")]
    [InlineData("silent", "idle timeout")]
    [InlineData("chatty", "max duration")]
    public async Task EndReason_IsLogged_WithBytesAndDuration(string mode, string reason)
    {
        await using var upstream = await SseUpstream();
        await using var proxy = await Proxy(upstream);
        using var client = proxy.CreateClient(http2: true);

        using var response = await client.GetAsync($"/sse/{mode}", HttpCompletionOption.ResponseHeadersRead);
        var body = response.Content.ReadAsStringAsync();
        var closed = await Closed(proxy, reason);

        closed.Properties["Policy"].ToString().Should().Be("\"Sse\"");
        long.Parse(closed.Properties["BytesToClient"].ToString()).Should().BeGreaterThanOrEqualTo("data: first\n\n".Length);
        try
        {
            await body.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (HttpRequestException)
        {
            // Cut by the proxy (idle timeout, max duration): the client sees the stream end abruptly.
        }
    }

    [Fact]
    public async Task ClientClosing_IsLogged_AndStreamMetricsCountIt()
    {
        await using var upstream = await SseUpstream();
        await using var proxy = await Proxy(upstream);
        using (var client = proxy.CreateClient())
        {
            using var response = await client.GetAsync("/sse/chatty", HttpCompletionOption.ResponseHeadersRead);
            await using var stream = await response.Content.ReadAsStreamAsync();
            (await stream.ReadAsync(new byte[64])).Should().BePositive(); // the first event arrived; now the client walks away
        }

        await Closed(proxy, "client closed");
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);
        var metrics = await admin.GetStringAsync("/metrics");
        metrics.Split('\n').Should().Contain(l => l.StartsWith("edgeproxy_stream_duration_seconds_count{") && l.Contains("reason=\"client closed\"") && l.Contains("route=\"events\"") && l.EndsWith(" 1"));
        metrics.Split('\n').Should().Contain(l => l.StartsWith("edgeproxy_streams_active{") && l.Contains("route=\"events\"") && l.EndsWith(" 0"), "the stream was counted open and then closed");
        metrics.Should().Contain("edgeproxy_stream_time_to_first_byte_seconds_count{");
    }

    [Fact]
    public async Task Shutdown_IsLogged()
    {
        await using var upstream = await SseUpstream();
        var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path).Set("EdgeProxy:ShutdownTimeout", "1s")
            .Route("events", "/sse/{**rest}", "app").Cluster("app", upstream.Url), output);
        using var client = proxy.CreateClient();
        using var response = await client.GetAsync("/sse/chatty", HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK);

        var stopping = proxy.StopAsync();
        await Closed(proxy, "shutdown");
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        await proxy.DisposeAsync();
    }
}
