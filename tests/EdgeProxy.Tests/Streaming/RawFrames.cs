using System.Buffers.Binary;

namespace EdgeProxy.Tests.Streaming;

/// <summary>A deliberately naive RFC 6455 decoder for assertions, written apart from the proxy's own tracker.</summary>
internal static class RawFrames
{
    public static List<(int Opcode, byte[] Payload)> Decode(byte[] data)
    {
        var frames = new List<(int, byte[])>();
        var i = 0;
        while (i + 2 <= data.Length)
        {
            var opcode = data[i] & 0x0F;
            var masked = (data[i + 1] & 0x80) != 0;
            long length = data[i + 1] & 0x7F;
            var p = i + 2;
            if (length == 126)
            {
                length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(p));
                p += 2;
            }
            else if (length == 127)
            {
                length = (long)BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(p));
                p += 8;
            }

            var mask = masked ? data.AsSpan(p, 4).ToArray() : null;
            p += masked ? 4 : 0;
            if (p + length > data.Length)
            {
                break;
            }

            var payload = data.AsSpan(p, (int)length).ToArray();
            for (var k = 0; mask is not null && k < payload.Length; k++)
            {
                payload[k] ^= mask[k % 4];
            }

            frames.Add((opcode, payload));
            i = p + (int)length;
        }

        return frames;
    }
}
