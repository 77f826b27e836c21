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

    /// <summary>Raw bytes each <c>/raw-ws/{id}</c> upstream socket received from the proxy, exactly as they arrived.</summary>
    public ConcurrentDictionary<string, MemoryStream> RawReceived { get; } = new();

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
            app.Map("/raw-ws/{id}", (HttpContext context, string id) => self!.RawEchoAsync(context, id));
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

    /// <summary>
    /// A WebSocket echo whose upgrade is done by hand so every byte the proxy sends upstream is recorded
    /// before the framework's WebSocket (which hides pings and pongs) sees it.
    /// </summary>
    private async Task RawEchoAsync(HttpContext context, string id)
    {
        var upgrade = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>()!;
        var key = context.Request.Headers.SecWebSocketKey.ToString();
        var accept = Convert.ToBase64String(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        var protocol = context.Request.Headers.SecWebSocketProtocol.ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        context.Response.StatusCode = StatusCodes.Status101SwitchingProtocols;
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers.SecWebSocketAccept = accept;
        if (protocol is not null)
        {
            context.Response.Headers.SecWebSocketProtocol = protocol;
        }

        var record = RawReceived.GetOrAdd(id, _ => new MemoryStream());
        await using var stream = new RecordingStream(await upgrade.UpgradeAsync(), record);
        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, SubProtocol = protocol, KeepAliveInterval = TimeSpan.Zero });
        await EchoLoopAsync(socket, context);
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
        await EchoLoopAsync(socket, context);
    }

    private static async Task EchoLoopAsync(WebSocket socket, HttpContext context)
    {
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

/// <summary>Copies every byte read into a record (locked: the test reads it while the socket runs).</summary>
internal sealed class RecordingStream(Stream inner, MemoryStream record) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        lock (record)
        {
            record.Write(buffer.Span[..read]);
        }

        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
