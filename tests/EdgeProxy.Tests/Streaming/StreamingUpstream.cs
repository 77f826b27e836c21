using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Threading.Channels;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Streaming;

/// <summary>
/// An upstream whose streams the test drives: <c>/stream/{id}</c> sends its headers at once, then writes
/// exactly the chunks the test pushes into that id's channel (flushing each) and ends when the channel completes.
/// Query: <c>type</c> = content type, <c>accel</c> = X-Accel-Buffering value.
/// Also: <c>/slow?ms=N</c> answers after N ms, <c>/ws</c> echoes WebSocket messages, <c>/upload</c> counts body bytes.
/// </summary>
internal sealed class StreamingUpstream : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Channel<string>> _streams = new();

    private StreamingUpstream(TestUpstream upstream) => Upstream = upstream;

    public TestUpstream Upstream { get; private set; }

    public string Url => Upstream.Url;

    /// <summary>Set when an upstream handler saw its headers flushed (id → completion).</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> HeadersSent { get; } = new();

    public ConcurrentDictionary<string, TaskCompletionSource<long>> Uploads { get; } = new();

    public static async Task<StreamingUpstream> StartAsync()
    {
        StreamingUpstream? self = null;
        var upstream = await TestUpstream.StartAsync(app =>
        {
            app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
            app.MapGet("/stream/{id}", (HttpContext context, string id) => self!.StreamAsync(context, id));
            app.MapPost("/stream/{id}", (HttpContext context, string id) => self!.StreamAsync(context, id));
            app.MapGet("/slow", async (HttpContext context, int ms) =>
            {
                await Task.Delay(ms, context.RequestAborted);
                await context.Response.WriteAsync("slow done");
            });
            app.Map("/ws", EchoAsync);
            app.MapPost("/upload/{id}", async (HttpContext context, string id) =>
            {
                context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = null;
                var buffer = new byte[64 * 1024];
                long total = 0;
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
                {
                    total += read;
                }

                self!.Uploads.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(total);
                await context.Response.WriteAsync($"received {total}");
            });
        });
        self = new StreamingUpstream(upstream);
        return self;
    }

    public ChannelWriter<string> Stream(string id) => Channel(id).Writer;

    public Task WhenHeadersSent(string id) => HeadersSent.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public ValueTask DisposeAsync() => Upstream.DisposeAsync();

    private Channel<string> Channel(string id) => _streams.GetOrAdd(id, _ => System.Threading.Channels.Channel.CreateUnbounded<string>());

    private async Task StreamAsync(HttpContext context, string id)
    {
        context.Response.ContentType = context.Request.Query["type"].FirstOrDefault() ?? "text/event-stream";
        if (context.Request.Query["accel"].FirstOrDefault() is { } accel)
        {
            context.Response.Headers["X-Accel-Buffering"] = accel;
        }

        await context.Response.StartAsync();
        await context.Response.Body.FlushAsync();
        HeadersSent.GetOrAdd(id, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        try
        {
            await foreach (var chunk in Channel(id).Reader.ReadAllAsync(context.RequestAborted))
            {
                var text = chunk.Replace("{ts}", Stopwatch.GetTimestamp().ToString());
                await context.Response.WriteAsync(text, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task EchoAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        var protocol = context.WebSockets.WebSocketRequestedProtocols.FirstOrDefault();
        using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(result.CloseStatus ?? WebSocketCloseStatus.NormalClosure, result.CloseStatusDescription, default);
                    return;
                }

                var text = System.Text.Encoding.UTF8.GetString(buffer, 0, result.Count);
                var reply = text == "who" ? $"protocol={socket.SubProtocol};http={context.Request.Protocol}" : text;
                await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(reply), result.MessageType, result.EndOfMessage, default);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
        }
    }
}
