using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.Bench;

/// <summary>
/// The SSE and WebSocket upstream: plain HTTP for the proxies, HTTPS for the direct runs.
/// <c>GET /sse?events=N&amp;interval=MS</c> sends N events, each carrying the wall-clock time it was written
/// (Unix microseconds), flushed one by one. <c>GET /ws</c> accepts a WebSocket and holds it, idle, until the
/// client closes.
/// </summary>
internal static class StreamsUpstream
{
    public static async Task<int> RunAsync(Options options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var cert = X509Certificate2.CreateFromPemFile(options.Get("cert"), options.Get("key"));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, options.Int("http", 18081));
            k.Listen(IPAddress.Loopback, options.Int("https", 18444), l => l.UseHttps(cert));
        });
        var app = builder.Build();
        app.UseWebSockets();
        app.MapGet("/sse", SseAsync);
        app.Map("/ws", WsAsync);
        app.MapGet("/", () => Results.Text("ok\n"));
        await app.RunAsync();
        return 0;
    }

    private static async Task SseAsync(HttpContext context)
    {
        var events = int.TryParse(context.Request.Query["events"], out var e) ? e : 20;
        var interval = int.TryParse(context.Request.Query["interval"], out var i) ? i : 100;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var ct = context.RequestAborted;
        await context.Response.Body.FlushAsync(ct);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(interval));
        for (var n = 0; n < events && await timer.WaitForNextTickAsync(ct); n++)
        {
            var now = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;
            await context.Response.WriteAsync(FormattableString.Invariant($"id: {n}\ndata: {now}\n\n"), ct);
            await context.Response.Body.FlushAsync(ct);
        }
    }

    private static async Task WsAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.Zero });
        var buffer = new byte[256];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    break;
                }

                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client went away; nothing to report.
        }
    }
}
