namespace EdgeProxy.Streaming;

/// <summary>
/// Follows RFC 6455 frame headers in a byte stream without changing it, to know where one frame ends and the
/// next begins: the only places a proxy may insert a control frame (they may sit between the fragments of a
/// message, never inside a frame).
/// </summary>
internal struct WebSocketFrameTracker
{
    private const int MaxHeader = 14; // 2 + 8 (64-bit length) + 4 (mask key)
    private HeaderBytes _header;
    private int _headerLength;
    private long _payloadRemaining;

    /// <summary>True when the bytes seen so far end exactly at the end of a frame (or none were seen).</summary>
    public readonly bool AtBoundary => _headerLength == 0 && _payloadRemaining == 0;

    /// <summary>The opcode of the last frame whose header was completed.</summary>
    public byte LastOpcode { get; private set; }

    public void Feed(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_payloadRemaining > 0)
            {
                var skip = (int)Math.Min(_payloadRemaining, data.Length);
                _payloadRemaining -= skip;
                data = data[skip..];
                continue;
            }

            _header[_headerLength++] = data[0];
            data = data[1..];
            if (HeaderComplete(_header[.._headerLength], out var opcode, out var payload, out _))
            {
                LastOpcode = opcode;
                _payloadRemaining = payload;
                _headerLength = 0;
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="header"/> is a whole frame header; if so its opcode, payload length and total size.
    /// </summary>
    public static bool HeaderComplete(ReadOnlySpan<byte> header, out byte opcode, out long payloadLength, out int headerSize)
    {
        opcode = 0;
        payloadLength = 0;
        headerSize = 0;
        if (header.Length < 2)
        {
            return false;
        }

        var lengthCode = header[1] & 0x7F;
        var extended = lengthCode switch { 126 => 2, 127 => 8, _ => 0 };
        headerSize = 2 + extended + ((header[1] & 0x80) != 0 ? 4 : 0);
        if (header.Length < headerSize)
        {
            return false;
        }

        opcode = (byte)(header[0] & 0x0F);
        payloadLength = extended switch
        {
            2 => (header[2] << 8) | header[3],
            8 => (long)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(header[2..10]) & long.MaxValue),
            _ => lengthCode,
        };
        return true;
    }

    [System.Runtime.CompilerServices.InlineArray(MaxHeader)]
    private struct HeaderBytes
    {
        private byte _element;
    }
}
