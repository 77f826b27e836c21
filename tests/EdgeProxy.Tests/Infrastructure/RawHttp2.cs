using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// A deliberately small HTTP/2 client over TLS (ALPN h2) that sends header fields exactly as given (HPACK literals,
/// no Huffman, no validation): pseudo-headers HttpClient would normalise (<c>:path</c> with <c>\</c> or <c>//</c>)
/// and values it would correct (<c>content-length: +5</c>). One request per connection.
/// </summary>
public static class RawHttp2
{
    /// <param name="Status">The response's <c>:status</c>; 0 when none came.</param>
    /// <param name="Body">The DATA of the stream, as UTF-8.</param>
    /// <param name="ResetCode">RST_STREAM's error code, when the stream was reset.</param>
    /// <param name="GoAwayCode">GOAWAY's error code, when the connection was ended (0 is a graceful end).</param>
    /// <param name="Closed">The server closed the connection before the stream ended.</param>
    public sealed record Response(int Status, string Body, int? ResetCode, int? GoAwayCode = null, bool Closed = false)
    {
        /// <summary>Refused without an answer: a reset stream, or a connection ended with an error.</summary>
        public bool Refused => ResetCode is not null || GoAwayCode is > 0 || (Closed && Status == 0);

        public override string ToString() => $"status {Status}, reset {ResetCode?.ToString() ?? "-"}, goaway {GoAwayCode?.ToString() ?? "-"}, closed {Closed}: {Body}";
    }

    public static async Task<Response> SendAsync(int port, IEnumerable<(string Name, string Value)> headers, byte[]? body = null, IPAddress? source = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(source ?? IPAddress.Loopback, 0));
        await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(10));
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", ApplicationProtocols = [SslApplicationProtocol.Http2] })
            .WaitAsync(TimeSpan.FromSeconds(10));
        if (tls.NegotiatedApplicationProtocol != SslApplicationProtocol.Http2)
        {
            throw new InvalidOperationException("the server did not agree to h2");
        }

        var block = new MemoryStream();
        foreach (var (name, value) in headers)
        {
            block.WriteByte(0x00); // literal without indexing, new name
            WriteString(block, name);
            WriteString(block, value);
        }

        var output = new MemoryStream();
        output.Write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8);
        WriteFrame(output, 0x4, 0, 0, []); // SETTINGS
        WriteFrame(output, 0x1, body is null ? (byte)0x5 : (byte)0x4, 1, block.ToArray()); // HEADERS, END_HEADERS (+END_STREAM)
        if (body is not null)
        {
            WriteFrame(output, 0x0, 0x1, 1, body); // DATA, END_STREAM
        }

        await tls.WriteAsync(output.ToArray());
        await tls.FlushAsync();
        return await ReadAsync(tls);
    }

    /// <summary>
    /// Sends one GET, waits until <paramref name="requestArrived"/> completes (the upstream is working on it), then makes
    /// a connection error (SETTINGS_ENABLE_PUSH = 2, a PROTOCOL_ERROR) and keeps the socket open for <paramref name="hold"/>.
    /// </summary>
    public static async Task SendThenBreakConnectionAsync(int port, IEnumerable<(string Name, string Value)> headers, Task requestArrived, TimeSpan hold)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(10));
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", ApplicationProtocols = [SslApplicationProtocol.Http2] })
            .WaitAsync(TimeSpan.FromSeconds(10));
        var block = new MemoryStream();
        foreach (var (name, value) in headers)
        {
            block.WriteByte(0x00);
            WriteString(block, name);
            WriteString(block, value);
        }

        var output = new MemoryStream();
        output.Write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8);
        WriteFrame(output, 0x4, 0, 0, []);
        WriteFrame(output, 0x1, 0x5, 1, block.ToArray());
        await tls.WriteAsync(output.ToArray());
        await tls.FlushAsync();
        await requestArrived.WaitAsync(TimeSpan.FromSeconds(10));

        var broken = new MemoryStream();
        WriteFrame(broken, 0x4, 0, 0, [0x00, 0x02, 0x00, 0x00, 0x00, 0x02]); // SETTINGS_ENABLE_PUSH = 2
        await tls.WriteAsync(broken.ToArray());
        await tls.FlushAsync();
        await Task.Delay(hold);
    }

    private static async Task<Response> ReadAsync(SslStream tls)
    {
        var status = 0;
        var data = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var header = new byte[9];
        while (true)
        {
            try
            {
                await tls.ReadExactlyAsync(header, timeout.Token);
            }
            catch (Exception ex) when (ex is EndOfStreamException or IOException)
            {
                return new Response(status, Encoding.UTF8.GetString(data.ToArray()), null, Closed: true);
            }

            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var (type, flags, stream) = (header[3], header[4], BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & 0x7FFFFFFF);
            var payload = new byte[length];
            await tls.ReadExactlyAsync(payload, timeout.Token);
            switch (type)
            {
                case 0x4 when (flags & 0x1) == 0:
                    var ack = new MemoryStream();
                    WriteFrame(ack, 0x4, 0x1, 0, []);
                    await tls.WriteAsync(ack.ToArray(), timeout.Token);
                    break;
                case 0x1 when stream == 1:
                    status = status == 0 ? Status(payload, flags) : status;
                    if ((flags & 0x1) != 0)
                    {
                        return new Response(status, Encoding.UTF8.GetString(data.ToArray()), null);
                    }

                    break;
                case 0x0 when stream == 1:
                    data.Write(payload);
                    if ((flags & 0x1) != 0)
                    {
                        return new Response(status, Encoding.UTF8.GetString(data.ToArray()), null);
                    }

                    break;
                case 0x3 when stream == 1:
                    return new Response(status, Encoding.UTF8.GetString(data.ToArray()), BinaryPrimitives.ReadInt32BigEndian(payload));
                case 0x7:
                    return new Response(status, Encoding.UTF8.GetString(data.ToArray()), null, GoAwayCode: BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(4)));
            }
        }
    }

    /// <summary>The <c>:status</c> Kestrel sends first: an indexed static entry (200, 204, 206, 304, 400, 404, 500) or a literal.</summary>
    private static int Status(byte[] block, byte flags)
    {
        var at = (flags & 0x8) != 0 ? 1 : 0; // PADDED
        at += (flags & 0x20) != 0 ? 5 : 0; // PRIORITY
        var first = block[at];
        if ((first & 0x80) != 0)
        {
            return (first & 0x7F) switch { 8 => 200, 9 => 204, 10 => 206, 11 => 304, 12 => 400, 13 => 404, 14 => 500, var other => -other };
        }

        var length = block[at + 1] & 0x7F; // a literal with the :status name (index 8-14) and a plain value
        return int.Parse(Encoding.ASCII.GetString(block, at + 2, length), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void WriteString(Stream output, string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        var length = bytes.Length;
        if (length < 127)
        {
            output.WriteByte((byte)length);
        }
        else
        {
            output.WriteByte(127);
            for (length -= 127; length >= 128; length >>= 7)
            {
                output.WriteByte((byte)((length & 0x7F) | 0x80));
            }

            output.WriteByte((byte)length);
        }

        output.Write(bytes);
    }

    private static void WriteFrame(Stream output, byte type, byte flags, int stream, byte[] payload)
    {
        Span<byte> header = stackalloc byte[9];
        header[0] = (byte)(payload.Length >> 16);
        header[1] = (byte)(payload.Length >> 8);
        header[2] = (byte)payload.Length;
        header[3] = type;
        header[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(header[5..], stream);
        output.Write(header);
        output.Write(payload);
    }

    /// <summary>The pseudo-headers of a GET to <paramref name="path"/> on localhost.</summary>
    public static (string, string)[] Get(string path, string method = "GET") =>
        [(":method", method), (":scheme", "https"), (":authority", "localhost"), (":path", path)];
}
