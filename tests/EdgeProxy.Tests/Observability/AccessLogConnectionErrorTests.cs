using System.Collections.Concurrent;
using EdgeProxy.Tests.Infrastructure;
using Serilog.Events;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Observability;

/// <summary>
/// An HTTP/2 client that breaks its connection (a connection-level PROTOCOL_ERROR) while the upstream is still
/// working on its request must not be able to keep that request out of the access log: the request reached the
/// upstream, so it gets its one event like every other.
/// </summary>
public sealed class AccessLogConnectionErrorTests(ITestOutputHelper output) : IDisposable
{
    private const int Attempts = 10;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Http2ConnectionError_WhileTheUpstreamWorks_StillWritesTheAccessLogEvent()
    {
        var arrived = new ConcurrentDictionary<string, TaskCompletionSource>();
        await using var upstream = await TestUpstream.StartAsync(app => app.MapGet("/slow/{id}", async (string id, HttpContext context) =>
        {
            arrived.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(1.5), CancellationToken.None); // like an app that does not watch for aborts
            await context.Response.WriteAsync("done", CancellationToken.None);
        }));
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path).Route("slow", "/slow/{id}", "c").Cluster("c", upstream.Url), output);

        for (var i = 0; i < Attempts; i++)
        {
            var id = $"evade{i}";
            var signal = arrived.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
            await RawHttp2.SendThenBreakConnectionAsync(proxy.HttpsPort, RawHttp2.Get($"/slow/{id}"), signal.Task, TimeSpan.FromMilliseconds(300 * (i % 4)));
        }

        arrived.Where(a => a.Value.Task.IsCompletedSuccessfully).Should().HaveCount(Attempts, "every request reached the upstream");
        var logged = await Eventually.EqualsAsync(
            () => Task.FromResult(Enumerable.Range(0, Attempts).Count(i => AccessLogEvents(proxy, $"/slow/evade{i}") == 1)), Attempts, seconds: 10);
        logged.Should().Be(Attempts, "each request that reached the upstream has exactly one access-log event; log:\n" + proxy.Logs.AllText);
        proxy.Logs.Events.Where(e => e.Exception is ObjectDisposedException).Should().BeEmpty("writing the access log never reads a disposed connection");
    }

    private static int AccessLogEvents(ProxyInstance proxy, string path) =>
        proxy.Logs.Events.Count(e => e.Properties.ContainsKey("ResponseBytes") && e.Properties["Path"] is ScalarValue { Value: string p } && p == path);
}
