using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Streaming;

/// <summary>ClientWebSocket through the proxy's TLS listener, over HTTP/1.1 Upgrade or HTTP/2 extended CONNECT.</summary>
internal static class WebSocketClients
{
    public static Task<ClientWebSocket> ConnectAsync(ProxyInstance proxy, string path, bool http2, params string[] subProtocols) =>
        ConnectAsync(proxy.HttpsPort, path, http2, subProtocols);

    /// <summary>To a proxy on <paramref name="httpsPort"/> of 127.0.0.1, in this process or its own.</summary>
    public static async Task<ClientWebSocket> ConnectAsync(int httpsPort, string path, bool http2, params string[] subProtocols)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero; // the proxy's own pings are under test, not the client's
        socket.Options.HttpVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        foreach (var protocol in subProtocols)
        {
            socket.Options.AddSubProtocol(protocol);
        }

        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await tcp.ConnectAsync(IPAddress.Loopback, httpsPort, cancel);
                return new NetworkStream(tcp, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                    TestPki.Instance.Validates(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData()), chain!.ChainPolicy.ExtraStore),
            },
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(new Uri($"wss://localhost:{httpsPort}{path}"), new HttpMessageInvoker(handler), cts.Token);
        return socket;
    }

    public static async Task SendTextAsync(this WebSocket socket, string text) =>
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

    public static async Task<string> ReceiveTextAsync(this WebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException($"closed: {result.CloseStatus} {result.CloseStatusDescription}");
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.ToArray());
            }
        }
    }
}
