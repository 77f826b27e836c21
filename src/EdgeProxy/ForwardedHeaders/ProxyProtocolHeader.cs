using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// The PROXY protocol header a TCP load balancer sends before the first byte of the client's stream
/// (https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt), v1 (text) and v2 (binary).
/// <see cref="Source"/> is null when the header carries no address to use (v1 UNKNOWN, v2 LOCAL, UNSPEC, UNIX).
/// </summary>
internal readonly record struct ProxyProtocolHeader(int Version, IPEndPoint? Source, IPEndPoint? Destination)
{
    public const int V1MaxLength = 107;

    /// <summary>Far beyond what NLB or HAProxy send with all their TLVs; a bigger header is refused.</summary>
    public const int V2MaxLength = 16 + 2048;

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public enum Status
    {
        Complete,
        Incomplete,
        Invalid,
    }

    /// <summary>Parses the start of <paramref name="buffer"/>; on Complete, <paramref name="length"/> bytes belong to the header.</summary>
    public static Status TryParse(ReadOnlySequence<byte> buffer, out ProxyProtocolHeader header, out int length, out string error)
    {
        header = default;
        length = 0;
        error = string.Empty;
        Span<byte> start = stackalloc byte[16];
        var available = (int)Math.Min(buffer.Length, 16);
        buffer.Slice(0, available).CopyTo(start);
        start = start[..available];
        if (available == 0)
        {
            return Status.Incomplete;
        }

        if (start[0] == (byte)'P')
        {
            return ParseV1(buffer, start, out header, out length, out error);
        }

        if (start[0] == 0x0D)
        {
            return ParseV2(buffer, start, out header, out length, out error);
        }

        error = "the connection does not start with a PROXY protocol header";
        return Status.Invalid;
    }

    private static Status ParseV1(ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> start, out ProxyProtocolHeader header, out int length, out string error)
    {
        header = default;
        length = 0;
        error = string.Empty;
        var prefix = Math.Min(start.Length, V1Prefix.Length);
        if (!start[..prefix].SequenceEqual(V1Prefix[..prefix]))
        {
            error = "the connection does not start with a PROXY protocol header";
            return Status.Invalid;
        }

        Span<byte> line = stackalloc byte[V1MaxLength];
        var available = (int)Math.Min(buffer.Length, V1MaxLength);
        buffer.Slice(0, available).CopyTo(line);
        line = line[..available];
        var end = line.IndexOf("\r\n"u8);
        if (end < 0)
        {
            if (available == V1MaxLength || line.Contains((byte)'\n'))
            {
                error = "v1 header has no CRLF within 107 bytes";
                return Status.Invalid;
            }

            return Status.Incomplete;
        }

        length = end + 2;
        var text = Encoding.ASCII.GetString(line[V1Prefix.Length..end]);
        var parts = text.Split(' ');
        if (parts[0] == "UNKNOWN")
        {
            header = new ProxyProtocolHeader(1, null, null);
            return Status.Complete;
        }

        if (parts.Length != 5 || parts[0] is not ("TCP4" or "TCP6"))
        {
            error = "v1 header is not 'PROXY TCP4|TCP6 <src> <dst> <sport> <dport>' or 'PROXY UNKNOWN'";
            return Status.Invalid;
        }

        var v6 = parts[0] == "TCP6";
        if (!TryAddress(parts[1], v6, out var source) || !TryAddress(parts[2], v6, out var destination)
            || !TryPort(parts[3], out var sourcePort) || !TryPort(parts[4], out var destinationPort))
        {
            error = "v1 header has a malformed address or port";
            return Status.Invalid;
        }

        header = new ProxyProtocolHeader(1, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        return Status.Complete;
    }

    private static Status ParseV2(ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> start, out ProxyProtocolHeader header, out int length, out string error)
    {
        header = default;
        length = 0;
        error = string.Empty;
        var signature = Math.Min(start.Length, V2Signature.Length);
        if (!start[..signature].SequenceEqual(V2Signature[..signature]))
        {
            error = "the connection does not start with a PROXY protocol header";
            return Status.Invalid;
        }

        if (start.Length < 16)
        {
            return Status.Incomplete;
        }

        var versionCommand = start[12];
        if (versionCommand >> 4 != 2 || (versionCommand & 0x0F) > 1)
        {
            error = $"v2 header has version/command 0x{versionCommand:X2}";
            return Status.Invalid;
        }

        var payload = BinaryPrimitives.ReadUInt16BigEndian(start[14..16]);
        length = 16 + payload;
        if (length > V2MaxLength)
        {
            error = $"v2 header of {length} bytes is larger than {V2MaxLength}";
            return Status.Invalid;
        }

        if (buffer.Length < length)
        {
            return Status.Incomplete;
        }

        var local = (versionCommand & 0x0F) == 0;
        var family = start[13] >> 4;
        var transport = start[13] & 0x0F;
        if (family > 3 || transport > 2)
        {
            error = $"v2 header has unknown family/protocol 0x{start[13]:X2}";
            return Status.Invalid;
        }

        var addressLength = family switch { 1 => 12, 2 => 36, 3 => 216, _ => 0 };
        if (payload < addressLength)
        {
            error = $"v2 header's {payload}-byte payload is too short for its address family";
            return Status.Invalid;
        }

        if (local || family is 0 or 3 || transport != 1)
        {
            // LOCAL (the balancer's own health check), UNSPEC, UNIX or datagram: keep the real connection's addresses.
            header = new ProxyProtocolHeader(2, null, null);
            return Status.Complete;
        }

        Span<byte> addresses = stackalloc byte[36];
        buffer.Slice(16, addressLength).CopyTo(addresses);
        var size = family == 1 ? 4 : 16;
        var source = new IPAddress(addresses[..size]);
        var destination = new IPAddress(addresses.Slice(size, size));
        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(addresses.Slice(2 * size, 2));
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(addresses.Slice((2 * size) + 2, 2));
        header = new ProxyProtocolHeader(2, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        return Status.Complete;
    }

    private static bool TryAddress(string text, bool v6, out IPAddress address)
    {
        address = IPAddress.None;
        if (!TrustedNetworks.IsStrictAddress(text) || text.Contains(':') != v6 || !IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        address = parsed;
        return true;
    }

    private static bool TryPort(string text, out int port)
    {
        port = 0;
        return text.Length is > 0 and <= 5 && !text.AsSpan().ContainsAnyExceptInRange('0', '9') && (text.Length == 1 || text[0] != '0')
            && int.TryParse(text, out port) && port <= 65535;
    }
}
