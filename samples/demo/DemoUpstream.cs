namespace EdgeProxy.Demo;

/// <summary>
/// A small, real upstream app: it shows what the proxy forwarded, so an operator can see the effect of
/// each setting. <c>/sse</c>, <c>/ndjson</c> and <c>/ws</c> show streaming through the proxy
/// (<c>curl -kN https://localhost:8443/sse</c> prints one event a second as it is produced).
/// </summary>
public static class DemoUpstream
{
    /// <summary>Where the upstream listens unless <c>DEMO_UPSTREAM_URL</c> says otherwise; config/appsettings.json routes here.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>The upstream app, not yet started.</summary>
    /// <param name="url">The URL to listen on (plain HTTP: the proxy in front terminates TLS).</param>
    /// <returns>The built application; the caller starts and stops it.</returns>
    public static WebApplication Build(string url)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();

        app.UseWebSockets();
        app.MapGet("/healthz", () => "ok");
        app.MapGet("/sse", ServerSentEventsAsync);
        app.MapGet("/ndjson", NdjsonAsync);
        app.Map("/ws", WebSocketEchoAsync);
        app.MapFallback(async context =>
        {
            var request = context.Request;
            var forwarded = request.Headers
                .Where(h => h.Key.StartsWith("X-Forwarded", StringComparison.OrdinalIgnoreCase) || h.Key is "Forwarded" or "X-Real-IP")
                .ToDictionary(h => h.Key, h => h.Value.ToString());
            await context.Response.WriteAsJsonAsync(new
            {
                message = "Hello from the EdgeProxy demo upstream",
                method = request.Method,
                host = request.Host.Value,
                path = request.Path.Value,
                query = request.QueryString.Value,
                protocol = request.Protocol,
                peer = context.Connection.RemoteIpAddress?.ToString(),
                forwarded,
            });
        });
        return app;
    }

    /// <summary>One event a second (<c>?count=N</c>, default endless), headers flushed before the first one.</summary>
    private static async Task ServerSentEventsAsync(HttpContext context, int? count)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.Body.FlushAsync(context.RequestAborted);
        try
        {
            for (var i = 1; count is null || i <= count; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), context.RequestAborted);
                await context.Response.WriteAsync($"id: {i}\nevent: tick\ndata: {{\"n\":{i},\"time\":\"{DateTimeOffset.UtcNow:O}\"}}\n\n", context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }

    /// <summary>Progress records, one JSON object per line, as a long export would send them.</summary>
    private static async Task NdjsonAsync(HttpContext context, int? count)
    {
        context.Response.ContentType = "application/x-ndjson";
        await context.Response.Body.FlushAsync(context.RequestAborted);
        var total = count ?? 10;
        try
        {
            for (var i = 1; i <= total; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), context.RequestAborted);
                await context.Response.WriteAsync($"{{\"stage\":\"progress\",\"done\":{i},\"total\":{total}}}\n", context.RequestAborted);
            }

            await context.Response.WriteAsync("{\"stage\":\"result\",\"ok\":true}\n", context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Echoes every message back; accepts the first subprotocol the client offers.</summary>
    private static async Task WebSocketEchoAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("WebSocket endpoint: connect with ws:// or wss://\n");
            return;
        }

        var subProtocol = context.WebSockets.WebSocketRequestedProtocols.FirstOrDefault();
        using var socket = await context.WebSockets.AcceptWebSocketAsync(subProtocol);
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(result.CloseStatus ?? System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, context.RequestAborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException)
        {
            // The peer went away without a close frame.
        }
    }
}
