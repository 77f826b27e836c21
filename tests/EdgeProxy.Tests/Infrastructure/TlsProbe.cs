using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>A bare TLS handshake: which certificate and chain does the server present for a name?</summary>
public static class TlsProbe
{
    public sealed record Result(X509Certificate2 Leaf, X509Certificate2Collection Sent, SslProtocols Protocol, SslApplicationProtocol Alpn);

    public static async Task<Result> HandshakeAsync(int port, string? serverName, SslProtocols protocols = SslProtocols.None, List<SslApplicationProtocol>? alpn = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        X509Certificate2Collection sent = [];
        await using var ssl = new SslStream(client.GetStream(), false, (_, _, chain, _) =>
        {
            sent = [.. chain!.ChainPolicy.ExtraStore];
            return true;
        });
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName ?? string.Empty,
            EnabledSslProtocols = protocols,
            ApplicationProtocols = alpn,
        }).WaitAsync(TimeSpan.FromSeconds(10));
        var leaf = X509CertificateLoader.LoadCertificate(ssl.RemoteCertificate!.GetRawCertData());
        return new Result(leaf, sent, ssl.SslProtocol, ssl.NegotiatedApplicationProtocol);
    }
}
