using System.Buffers;

namespace EdgeProxy.Streaming;

/// <summary>
/// The client side of a proxied WebSocket as YARP sees it. Bytes pass unchanged except that the proxy may
/// add its own control frames towards the client at frame boundaries (pings when the upstream is quiet, a
/// 1001 close on shutdown or MaxDuration) and, when it pings, removes the client's answering pongs.
/// </summary>
internal sealed class WebSocketRelayStream : Stream
{
    private readonly Stream _inner;
    private readonly StreamSession _session;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly PongFilter? _pongs;
    private WebSocketFrameTracker _toClient;
    private byte[]? _readBuffer;
    private byte[]? _pending;
    private int _pendingStart;
    private int _pendingEnd;
    private bool _eof;
    private volatile bool _closeSent;

    public WebSocketRelayStream(Stream inner, StreamSession session, bool consumePongs)
    {
        _inner = inner;
        _session = session;
        _pongs = consumePongs ? new PongFilter() : null;
        LastWrite = session.Now;
    }

    public long LastWrite { get; private set; }

    public int PingsSent { get; private set; }

    public bool CloseSent => _closeSent;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_pongs is null)
        {
            var read = await _inner.ReadAsync(buffer, cancellationToken);
            _session.Touch();
            _session.Received(read);
            return read;
        }

        while (true)
        {
            if (_pendingEnd > _pendingStart)
            {
                var count = Math.Min(buffer.Length, _pendingEnd - _pendingStart);
                _pending.AsSpan(_pendingStart, count).CopyTo(buffer.Span);
                _pendingStart += count;
                _session.Received(count);
                return count;
            }

            if (buffer.Length == 0)
            {
                // YARP's zero-byte read: wait for data without taking a buffer.
                return await _inner.ReadAsync(buffer, cancellationToken);
            }

            if (_eof)
            {
                return 0;
            }

            _readBuffer ??= ArrayPool<byte>.Shared.Rent(16 * 1024);
            _pending ??= ArrayPool<byte>.Shared.Rent(_readBuffer.Length + PongFilter.MaxHeld);
            var n = await _inner.ReadAsync(_readBuffer, cancellationToken);
            _pendingStart = 0;
            if (n == 0)
            {
                _eof = true;
                _pendingEnd = _pongs.Flush(_pending);
                continue;
            }

            var before = _pongs.PongsConsumed;
            _pendingEnd = _pongs.Process(_readBuffer.AsSpan(0, n), _pending);
            if (_pendingEnd > 0 || _pongs.PongsConsumed == before)
            {
                _session.Touch(); // a pong to our own ping is not traffic between the peers
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _session.Touch();
        LastWrite = _session.Now;
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (_closeSent)
            {
                return; // after our close frame the client may receive nothing more (RFC 6455 5.5.1)
            }

            _toClient.Feed(buffer.Span);
            _session.Sent(buffer.Length);
            await _inner.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    /// <summary>Sends a ping unless an upstream write is under way or the upstream stopped mid-frame.</summary>
    public async Task<bool> TryPingAsync(CancellationToken cancellationToken)
    {
        // Wait(0) only tries the lock and never blocks: nothing to cancel, and a cancelled token must not make it throw.
        if (!_writeLock.Wait(0, CancellationToken.None))
        {
            return false;
        }

        try
        {
            if (_closeSent || !_toClient.AtBoundary)
            {
                return false;
            }

            await _inner.WriteAsync(WebSocketFrames.Ping, cancellationToken);
            await _inner.FlushAsync(cancellationToken);
            PingsSent++;
            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Sends a close frame at the next frame boundary. Returns false when the upstream is stuck inside a frame
    /// for longer than <paramref name="wait"/> (the caller then drops the connection).
    /// </summary>
    public async Task<bool> CloseAsync(ushort code, string reason, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)wait.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            if (await _writeLock.WaitAsync(TimeSpan.FromMilliseconds(50), cancellationToken))
            {
                try
                {
                    if (_closeSent)
                    {
                        return true;
                    }

                    if (_toClient.AtBoundary)
                    {
                        _closeSent = true;
                        await _inner.WriteAsync(WebSocketFrames.Close(code, reason), cancellationToken);
                        await _inner.FlushAsync(cancellationToken);
                        return true;
                    }
                }
                finally
                {
                    _writeLock.Release();
                }
            }

            await Task.Delay(20, cancellationToken); // the upstream is mid-frame: let its next write complete it
        }

        return false;
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            Return();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        Return();
        await base.DisposeAsync();
    }

    private void Return()
    {
        if (_readBuffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_readBuffer);
            _readBuffer = null;
        }

        if (_pending is not null)
        {
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = null;
        }
    }
}
