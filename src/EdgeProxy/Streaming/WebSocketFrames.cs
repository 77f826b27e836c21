using System.Buffers.Binary;
using System.Text;

namespace EdgeProxy.Streaming;

/// <summary>The control frames the proxy itself sends to a WebSocket client (server to client: unmasked).</summary>
internal static class WebSocketFrames
{
    public const byte OpcodeClose = 0x8;
    public const byte OpcodePing = 0x9;
    public const byte OpcodePong = 0xA;

    /// <summary>Every proxy ping carries this payload; a pong echoing it answers the proxy, not the upstream.</summary>
    public static ReadOnlySpan<byte> PingPayload => "edgeproxy-keepalive"u8;

    public static readonly byte[] Ping = [0x80 | OpcodePing, (byte)PingPayload.Length, .. PingPayload];

    /// <summary>A close frame: FIN + opcode 8, the status code and a reason of at most 123 UTF-8 bytes.</summary>
    public static byte[] Close(ushort code, string reason)
    {
        var text = Encoding.UTF8.GetBytes(reason);
        var length = Math.Min(text.Length, 123);
        var frame = new byte[4 + length];
        frame[0] = 0x80 | OpcodeClose;
        frame[1] = (byte)(2 + length);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), code);
        text.AsSpan(0, length).CopyTo(frame.AsSpan(4));
        return frame;
    }
}
