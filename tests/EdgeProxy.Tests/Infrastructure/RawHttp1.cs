using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 over TLS written byte for byte, for what HttpClient will not send: request targets it would normalise
/// (<c>\</c>, <c>..</c>, <c>//</c>), header names it would refuse, framing it would correct. One request per
/// connection; the response is read until the server closes.
/// </summary>
public static class RawHttp1
{
    public sealed record Response(int Status, string Head, string Body)
    {
        public bool ClosesConnection => Head.Contains("\r\nConnection: close", StringComparison.OrdinalIgnoreCase);

        public override string ToString() => Head + "\r\n\r\n" + Body;
    }

    /// <param name="port">The proxy's https port on 127.0.0.1.</param>
    /// <param name="request">The whole request: request line, header lines, the empty line and any body.</param>
    /// <param name="source">The local address to connect from (default 127.0.0.1).</param>
    public static async Task<Response> SendAsync(int port, string request, IPAddress? source = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(source ?? IPAddress.Loopback, 0));
        await socket.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(10));
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        }).WaitAsync(TimeSpan.FromSeconds(10));
        await tls.WriteAsync(Encoding.Latin1.GetBytes(request));
        await tls.FlushAsync();

        using var received = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await tls.CopyToAsync(received, timeout.Token);
        }
        catch (IOException)
        {
            // A reset after the response: what was read is the answer.
        }

        var text = Encoding.Latin1.GetString(received.ToArray());
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = end < 0 ? text : text[..end];
        var status = head.Length >= 12 && int.TryParse(head.AsSpan(9, 3), out var code) ? code : 0;
        var body = end < 0 ? string.Empty : text[(end + 4)..];
        return new Response(status, head, head.Contains("\r\nTransfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase) ? Dechunk(body) : body);
    }

    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (at < chunked.Length)
        {
            var lineEnd = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (lineEnd < 0 || !int.TryParse(chunked.AsSpan(at, lineEnd - at).TrimEnd(), System.Globalization.NumberStyles.HexNumber, null, out var size) || size == 0)
            {
                break;
            }

            body.Append(chunked, lineEnd + 2, Math.Min(size, chunked.Length - lineEnd - 2));
            at = lineEnd + 2 + size + 2;
        }

        return body.ToString();
    }

    /// <summary>A GET with the usual headers and <c>Connection: close</c>.</summary>
    public static string Get(string target, params string[] headers) =>
        $"GET {target} HTTP/1.1\r\nHost: localhost\r\n{string.Concat(headers.Select(h => h + "\r\n"))}Connection: close\r\n\r\n";
}
