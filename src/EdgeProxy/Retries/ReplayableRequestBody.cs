using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeProxy.Retries;

/// <summary>
/// The request body of an idempotent request, kept as it is read (up to a limit) so the request can be sent
/// again: after <see cref="Rewind"/> the kept bytes are read first, then the rest from the client. A body
/// that outgrows the limit is passed on as always and the request can no longer be resent.
/// </summary>
internal sealed class ReplayableRequestBody : Stream
{
    private readonly Stream _inner;
    private readonly long _limit;
    private byte[]? _kept;
    private int _length;
    private int _position;
    private bool _tooLarge;

    private ReplayableRequestBody(Stream inner, long limit)
    {
        _inner = inner;
        _limit = limit;
    }

    /// <summary>Wraps the body of an idempotent request that may have one and is not known to be too large; otherwise null.</summary>
    public static ReplayableRequestBody? TryWrap(HttpContext context, RetryPolicy policy)
    {
        var request = context.Request;
        if (policy.MaxRetries == 0 || !RetryMiddleware.IsIdempotent(request.Method)
            || context.Features.Find<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true || request.ContentLength > policy.MaxRetryBodySize)
        {
            return null;
        }

        var body = new ReplayableRequestBody(request.Body, policy.MaxRetryBodySize);
        request.Body = body;
        context.Response.RegisterForDispose(body);
        return body;
    }

    /// <summary>Every byte read so far is still here.</summary>
    public bool CanReplay => !_tooLarge;

    /// <summary>The next read starts again at the first byte.</summary>
    public void Rewind() => _position = 0;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TryReplay(buffer.Span, out var replayed))
        {
            return replayed;
        }

        var read = await _inner.ReadAsync(buffer, cancellationToken);
        Keep(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        if (TryReplay(buffer, out var replayed))
        {
            return replayed;
        }

        var read = _inner.Read(buffer);
        Keep(buffer[..read]);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        Release();
        base.Dispose(disposing);
    }

    private bool TryReplay(Span<byte> buffer, out int count)
    {
        count = Math.Min(buffer.Length, _length - _position);
        if (_tooLarge || count <= 0)
        {
            return false;
        }

        _kept.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return true;
    }

    private void Keep(ReadOnlySpan<byte> read)
    {
        if (_tooLarge || read.IsEmpty)
        {
            return;
        }

        if (_length + (long)read.Length > _limit)
        {
            _tooLarge = true; // passed on as read from here; the request is no longer resendable
            Release();
            return;
        }

        if (_kept is null || _kept.Length < _length + read.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(_limit, Math.Max(4096, 2L * (_length + read.Length))));
            _kept?.AsSpan(0, _length).CopyTo(grown);
            if (_kept is not null)
            {
                ArrayPool<byte>.Shared.Return(_kept);
            }

            _kept = grown;
        }

        read.CopyTo(_kept.AsSpan(_length));
        _length += read.Length;
        _position = _length;
    }

    private void Release()
    {
        if (_kept is { } kept)
        {
            _kept = null;
            _length = _position = 0;
            ArrayPool<byte>.Shared.Return(kept);
        }
    }
}
