using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// HttpClients whose connections leave from a chosen local address: Linux routes all of 127.0.0.0/8 to
/// loopback, so binding to 127.0.0.9 before connecting makes the proxy see a real peer 127.0.0.9.
/// Certificates are not validated here: these clients test who the proxy thinks they are, not TLS.
/// </summary>
public static class SourceBoundClient
{
    /// <param name="source">Local address to bind, e.g. 127.0.0.9 or ::1.</param>
    /// <param name="target">Address of the listener (127.0.0.1 or ::1).</param>
    /// <param name="port">Port of the listener.</param>
    /// <param name="https">TLS (any server certificate accepted) or plain HTTP.</param>
    /// <param name="http2">Requests are HTTP/2 exactly, not HTTP/1.1.</param>
    /// <param name="host">Host name in the request URL (and TLS SNI).</param>
    /// <param name="beforeRequest">Bytes written on the raw socket before anything else (a PROXY protocol header).</param>
    /// <param name="onConnect">Called for each new connection, so a test can prove connections were reused.</param>
    /// <param name="clientCertificate">Presented in the TLS handshake; null presents none.</param>
    public static HttpClient Create(IPAddress source, IPAddress target, int port, bool https = true, bool http2 = false, string host = "localhost", byte[]? beforeRequest = null, Action? onConnect = null, System.Security.Cryptography.X509Certificates.X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(target, port, cancel);
                    onConnect?.Invoke();
                    if (beforeRequest is not null)
                    {
                        await socket.SendAsync(beforeRequest, SocketFlags.None, cancel);
                    }

                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ClientCertificateContext = clientCertificate is null ? null : SslStreamCertificateContext.Create(clientCertificate, null, offline: true),
            },
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"{(https ? "https" : "http")}://{host}:{port}/"),
            DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(15),
        };
    }
}
