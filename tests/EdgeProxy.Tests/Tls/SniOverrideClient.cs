using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Tls;

/// <summary>
/// A real HttpClient whose TLS server name differs from its Host/<c>:authority</c>, as a client that coalesces
/// connections (or an attacker) sends. SocketsHttpHandler always takes SNI from the Host, so each connection it makes
/// goes through a loopback relay: HttpClient's TLS ends there, and the relay opens its own TLS connection to the proxy
/// with the chosen server name (none when null), ALPN and client certificate, then copies bytes both ways.
/// </summary>
public sealed class SniOverrideClient : IDisposable
{
    private static readonly Lazy<X509Certificate2> RelayCertificate = new(() => TestPki.Instance.IssueServer("relay", ["relay"]));
    private readonly HttpClient _client;

    public SniOverrideClient(int proxyPort, string? serverName, bool http2, X509Certificate2? clientCertificate = null)
    {
        var alpn = http2 ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = (_, cancel) => RelayAsync(proxyPort, serverName, alpn, clientCertificate, cancel),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == RelayCertificate.Value.Thumbprint },
            AllowAutoRedirect = false,
            ActivityHeadersPropagator = null,
        };
        _client = new HttpClient(handler)
        {
            BaseAddress = new Uri("https://127.0.0.1/"),
            DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>GET <paramref name="path"/> with Host (HTTP/2: <c>:authority</c>) <paramref name="host"/>.</summary>
    public async Task<HttpResponseMessage> GetAsync(string host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path)
        {
            Version = _client.DefaultRequestVersion,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Host = host;
        return await _client.SendAsync(request);
    }

    public void Dispose() => _client.Dispose();

    private static async ValueTask<Stream> RelayAsync(int proxyPort, string? serverName, SslApplicationProtocol alpn, X509Certificate2? clientCertificate, CancellationToken cancel)
    {
        var toProxy = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await toProxy.ConnectAsync(IPAddress.Loopback, proxyPort, cancel);
        var proxyTls = new SslStream(new NetworkStream(toProxy, ownsSocket: true));
        await proxyTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName ?? string.Empty, // empty: no SNI, as a client connecting by IP address
            ApplicationProtocols = [alpn],
            ClientCertificateContext = clientCertificate is null ? null : SslStreamCertificateContext.Create(clientCertificate, [X509CertificateLoader.LoadCertificate(TestPki.Instance.Intermediate.RawData)], offline: true),
            RemoteCertificateValidationCallback = (_, certificate, chain, _) => TestPki.Validates(certificate, chain), // any name: which certificate the proxy chose is not what these tests are about
        }, cancel);

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var clientSide = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connect = clientSide.ConnectAsync((IPEndPoint)listener.LocalEndpoint, cancel);
        var relaySide = await listener.AcceptSocketAsync(cancel);
        await connect;
        listener.Stop();
        _ = PumpAsync(new SslStream(new NetworkStream(relaySide, ownsSocket: true)), proxyTls, alpn);
        return new NetworkStream(clientSide, ownsSocket: true);
    }

    private static async Task PumpAsync(SslStream fromClient, SslStream toProxy, SslApplicationProtocol alpn)
    {
        await using (fromClient)
        await using (toProxy)
        {
            try
            {
                await fromClient.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = RelayCertificate.Value, ApplicationProtocols = [alpn] });
                await Task.WhenAny(fromClient.CopyToAsync(toProxy), toProxy.CopyToAsync(fromClient));
            }
            catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
            {
                // Either side went away: the other is closed by the disposal.
            }
        }
    }
}
