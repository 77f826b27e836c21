namespace EdgeProxy.Streaming;

/// <summary>
/// Removes, from what a WebSocket client sends, the pong frames that answer the proxy's own pings (their
/// payload is <see cref="WebSocketFrames.PingPayload"/>); every other byte passes unchanged and in order,
/// including pongs the client sends in answer to the upstream's pings.
/// </summary>
internal sealed class PongFilter
{
    /// <summary>Largest frame ever held back: a masked control frame (2 + 4 + 125).</summary>
    public const int MaxHeld = 2 + 4 + 125;

    private readonly byte[] _held = new byte[MaxHeld + 8];
    private int _heldLength;
    private bool _holdingPong;
    private long _payloadRemaining;

    public int PongsConsumed { get; private set; }

    /// <summary>Filters <paramref name="input"/> into <paramref name="output"/>, which needs input.Length + MaxHeld bytes.</summary>
    public int Process(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var written = 0;
        while (!input.IsEmpty)
        {
            if (_payloadRemaining > 0 && !_holdingPong)
            {
                var pass = (int)Math.Min(_payloadRemaining, input.Length);
                input[..pass].CopyTo(output[written..]);
                written += pass;
                input = input[pass..];
                _payloadRemaining -= pass;
                continue;
            }

            if (_holdingPong)
            {
                var take = (int)Math.Min(_payloadRemaining, input.Length);
                input[..take].CopyTo(_held.AsSpan(_heldLength));
                _heldLength += take;
                input = input[take..];
                _payloadRemaining -= take;
                if (_payloadRemaining == 0)
                {
                    written += DecideHeldPong(output[written..]);
                }

                continue;
            }

            // Collecting a header: held until complete, so a pong is recognised before any of it is passed on.
            _held[_heldLength++] = input[0];
            input = input[1..];
            if (!WebSocketFrameTracker.HeaderComplete(_held.AsSpan(0, _heldLength), out var opcode, out var payload, out _))
            {
                continue;
            }

            if (opcode == WebSocketFrames.OpcodePong && payload == WebSocketFrames.PingPayload.Length)
            {
                _holdingPong = true;
                _payloadRemaining = payload;
                continue;
            }

            written += Release(output[written..]);
            _payloadRemaining = payload;
        }

        return written;
    }

    /// <summary>At end of stream: whatever was held (a cut-off header or pong) is passed on as it was.</summary>
    public int Flush(Span<byte> output)
    {
        _holdingPong = false;
        _payloadRemaining = 0;
        return Release(output);
    }

    private int DecideHeldPong(Span<byte> output)
    {
        _holdingPong = false;
        WebSocketFrameTracker.HeaderComplete(_held.AsSpan(0, _heldLength), out _, out var payloadLength, out var headerSize);
        var masked = (_held[1] & 0x80) != 0;
        var payload = _held.AsSpan(headerSize, (int)payloadLength);
        var ours = true;
        for (var i = 0; i < payload.Length; i++)
        {
            var b = masked ? (byte)(payload[i] ^ _held[headerSize - 4 + (i % 4)]) : payload[i];
            if (b != WebSocketFrames.PingPayload[i])
            {
                ours = false;
                break;
            }
        }

        if (ours)
        {
            _heldLength = 0;
            PongsConsumed++;
            return 0;
        }

        return Release(output);
    }

    private int Release(Span<byte> output)
    {
        var length = _heldLength;
        _held.AsSpan(0, length).CopyTo(output);
        _heldLength = 0;
        return length;
    }
}
