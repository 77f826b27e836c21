using System.Net;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Streaming;

public sealed class StreamReloadEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ConfigReload_AddingChangingAndRemovingRoutes_LeavesOpenStreamsFlowing()
    {
        await using var env = await StreamingProxy.StartAsync(output);
        var id = Guid.NewGuid().ToString("N");
        using var client = env.Proxy.CreateClient(http2: true);
        var chunks = env.Upstream.Stream(id);
        using var response = await client.GetAsync($"/sse/stream/{id}", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var socket = await WebSocketClients.ConnectAsync(env.Proxy, "/ws-route/ws", http2: false);
        await chunks.WriteAsync("data: 1\n\n");
        (await reader.ReadLineAsync().WaitAsync(Bound)).Should().Be("data: 1");
        await socket.SendTextAsync("1");
        (await socket.ReceiveTextAsync()).Should().Be("1");

        // Remove both routes the streams came through, change the catch-all and the policies, add a route.
        env.Proxy.Config
            .Remove("ReverseProxy:Routes:sse")
            .Remove("ReverseProxy:Routes:ws-route")
            .Set("ReverseProxy:Routes:auto:Metadata", new Dictionary<string, string> { ["EdgeProxy.Stream"] = "Buffered" })
            .Set("EdgeProxy:Streaming:Policies:Sse:IdleTimeout", "2s")
            .Set("EdgeProxy:Streaming:Policies:WebSocket:MaxDuration", "48h")
            .Route("added", "/added/{**rest}", "app")
            .Set("ReverseProxy:Routes:added:Transforms", new[] { new Dictionary<string, string> { ["PathRemovePrefix"] = "/added" } });
        env.Proxy.WriteConfig();
        await WaitUntilAsync(async () =>
        {
            using var probe = await client.GetAsync("/added/slow?ms=0");
            return probe.StatusCode == HttpStatusCode.OK;
        });

        for (var i = 2; i <= 4; i++)
        {
            await chunks.WriteAsync($"data: {i}\n\n");
            (await reader.ReadLineAsync().WaitAsync(Bound)).Should().BeEmpty();
            (await reader.ReadLineAsync().WaitAsync(Bound)).Should().Be($"data: {i}");
            await socket.SendTextAsync(i.ToString());
            (await socket.ReceiveTextAsync()).Should().Be(i.ToString());
        }

        // The stream keeps the policy it started with (1 h idle), not the reloaded 2 s one: 3 s of silence is fine.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await chunks.WriteAsync("data: 5\n\n");
        (await reader.ReadLineAsync().WaitAsync(Bound)).Should().BeEmpty();
        (await reader.ReadLineAsync().WaitAsync(Bound)).Should().Be("data: 5");

        // New requests see the new configuration: the removed route is gone.
        using var gone = await client.GetAsync($"/sse/stream/{Guid.NewGuid():N}", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        gone.StatusCode.Should().Be(HttpStatusCode.NotFound, "/sse/... now reaches the catch-all route and the upstream has no such path");
        chunks.Complete();
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(Bound);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the reloaded configuration was not applied");
            }

            await Task.Delay(100);
        }
    }
}
