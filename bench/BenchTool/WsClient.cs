using System.Net.WebSockets;

namespace EdgeProxy.Bench;

/// <summary>
/// Opens <c>--count</c> WebSockets (one TLS connection each), checks each with one echo, prints
/// <c>opened N</c>, holds them idle for <c>--hold</c> seconds (the caller samples the proxy's memory
/// then), closes them and exits.
/// </summary>
internal static class WsClient
{
    public static async Task<int> RunAsync(Options options)
    {
        var uri = new Uri(options.Get("url"));
        var count = options.Int("count", 1000);
        var hold = options.Int("hold", 3);
        var parallel = options.Int("parallel", 32);
        using var invoker = new HttpMessageInvoker(Http.Handler());
        var sockets = new ClientWebSocket?[count];
        var failed = 0;
        var message = "ping"u8.ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, ct) =>
        {
            var ws = new ClientWebSocket();
            ws.Options.KeepAliveInterval = TimeSpan.Zero;
            ws.Options.HttpVersion = new Version(1, 1);
            ws.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await ws.ConnectAsync(uri, invoker, timeout.Token);
                await ws.SendAsync(message, WebSocketMessageType.Binary, true, timeout.Token);
                await ws.ReceiveAsync(new byte[16], timeout.Token);
                sockets[i] = ws;
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException or IOException)
            {
                Interlocked.Increment(ref failed);
                ws.Dispose();
            }
        });

        var open = sockets.Count(s => s is not null);
        Console.WriteLine($"opened {open} failed {failed}");
        await Task.Delay(TimeSpan.FromSeconds(hold));
        await Parallel.ForEachAsync(sockets.Where(s => s is not null), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (ws, _) =>
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await ws!.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
                // Closing is best effort; the process exits next.
            }

            ws!.Dispose();
        });
        Console.WriteLine("closed");
        return failed == 0 ? 0 : 1;
    }
}
