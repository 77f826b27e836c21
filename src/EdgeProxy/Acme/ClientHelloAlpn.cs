using System.Buffers;
using System.Text;

namespace EdgeProxy.Acme;

/// <summary>
/// Reads the ALPN protocol names from the first TLS record of a ClientHello without consuming it:
/// <see cref="System.Net.Security.SslClientHelloInfo"/> does not expose ALPN, and TLS-ALPN-01 must be told
/// apart from a normal handshake for the same name before the certificate is chosen.
/// </summary>
internal static class ClientHelloAlpn
{
    public enum Result
    {
        NeedMore,
        NotTls,
        Parsed,
    }

    public static Result TryRead(ReadOnlySequence<byte> buffer, out List<string> protocols)
    {
        protocols = [];
        if (buffer.Length < 5)
        {
            return Result.NeedMore;
        }

        Span<byte> header = stackalloc byte[5];
        buffer.Slice(0, 5).CopyTo(header);
        if (header[0] != 0x16)
        {
            return Result.NotTls; // not a handshake record: let TLS fail it as usual
        }

        var length = (header[3] << 8) | header[4];
        if (buffer.Length < 5 + length)
        {
            return Result.NeedMore;
        }

        var record = buffer.Slice(5, length).ToArray();
        Parse(record, protocols);
        return Result.Parsed;
    }

    // A ClientHello cut short by the record boundary simply yields no ALPN: a normal handshake.
    private static void Parse(ReadOnlySpan<byte> hello, List<string> protocols)
    {
        if (hello.Length < 4 || hello[0] != 0x01)
        {
            return;
        }

        var p = 4 + 2 + 32; // handshake header, legacy_version, random
        if (!Skip(hello, ref p, 1) || !Skip(hello, ref p, 2) || !Skip(hello, ref p, 1) || p + 2 > hello.Length)
        {
            return; // session id, cipher suites, compression methods
        }

        var end = Math.Min(hello.Length, p + 2 + ((hello[p] << 8) | hello[p + 1]));
        p += 2;
        while (p + 4 <= end)
        {
            var type = (hello[p] << 8) | hello[p + 1];
            var size = (hello[p + 2] << 8) | hello[p + 3];
            p += 4;
            if (p + size > end)
            {
                return;
            }

            if (type == 16 && size >= 2)
            {
                var list = hello.Slice(p + 2, Math.Min(size - 2, (hello[p] << 8) | hello[p + 1]));
                for (var i = 0; i < list.Length && i + 1 + list[i] <= list.Length; i += 1 + list[i])
                {
                    protocols.Add(Encoding.ASCII.GetString(list.Slice(i + 1, list[i])));
                }

                return;
            }

            p += size;
        }
    }

    private static bool Skip(ReadOnlySpan<byte> data, ref int p, int lengthBytes)
    {
        if (p + lengthBytes > data.Length)
        {
            return false;
        }

        var length = lengthBytes == 1 ? data[p] : (data[p] << 8) | data[p + 1];
        p += lengthBytes + length;
        return p <= data.Length;
    }
}
