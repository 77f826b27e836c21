using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeProxy.Streaming;

/// <summary>
/// The response body as YARP writes it: every write goes straight to the server's body (Kestrel flushes
/// each one), marks the session active and, on SSE streams with a heartbeat, keeps track of event
/// boundaries so a <c>: keepalive</c> comment is only ever inserted between two events.
/// </summary>
internal sealed class ResponseBody(IHttpResponseBodyFeature inner, StreamSession session) : Stream, IHttpResponseBodyFeature
{
    private static readonly byte[] Keepalive = ": keepalive\n\n"u8.ToArray();

    private readonly Stream _inner = inner.Stream;
    private PipeWriter? _writer;
    private SemaphoreSlim? _sseLock; // only SSE streams with heartbeats pay for it
    private SseBoundary _boundary;
    private long _upstreamBytes;
    private int _heartbeats;

    public long LastWrite { get; private set; } = session.Now;

    public int Heartbeats => Volatile.Read(ref _heartbeats);

    Stream IHttpResponseBodyFeature.Stream => this;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(this, new StreamPipeWriterOptions(leaveOpen: true));

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public void EnableSseHeartbeats() => _sseLock ??= new SemaphoreSlim(1, 1);

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        session.Touch();
        return inner.SendFileAsync(path, offset, count, cancellationToken);
    }

    public async Task CompleteAsync()
    {
        if (_writer is not null)
        {
            await _writer.FlushAsync();
        }

        await inner.CompleteAsync();
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        session.Touch();
        session.Sent(buffer.Length);
        LastWrite = session.Now;
        return _sseLock is null ? _inner.WriteAsync(buffer, cancellationToken) : WriteSseAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Writes <c>: keepalive</c> if the stream sits between events and no upstream write is in progress.</summary>
    public async Task<bool> TryHeartbeatAsync(CancellationToken cancellationToken)
    {
        // Wait(0) only tries the lock and never blocks: nothing to cancel, and a cancelled token must not make it throw.
        if (_sseLock is null || !_sseLock.Wait(0, CancellationToken.None))
        {
            return false; // an upstream write is in progress: that is traffic enough
        }

        try
        {
            if (!_boundary.AtBoundary)
            {
                return false;
            }

            await _inner.WriteAsync(Keepalive, cancellationToken);
            _boundary.Feed(Keepalive);
            Interlocked.Increment(ref _heartbeats);
            return true;
        }
        finally
        {
            _sseLock.Release();
        }
    }

    private async ValueTask WriteSseAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await _sseLock!.WaitAsync(cancellationToken);
        try
        {
            // A BOM is only skipped at the very start of a stream; after our comment it would corrupt the first field name.
            if (_upstreamBytes == 0 && _heartbeats > 0 && buffer.Span.StartsWith("\uFEFF"u8))
            {
                buffer = buffer[3..];
                _upstreamBytes += 3;
            }

            _upstreamBytes += buffer.Length;
            _boundary.Feed(buffer.Span);
            await _inner.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _sseLock.Release();
        }
    }
}
