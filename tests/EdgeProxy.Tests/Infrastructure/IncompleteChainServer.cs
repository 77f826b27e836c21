using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// An HTTPS server on 127.0.0.1 that sends its leaf without the intermediate that issued it (a common mistake), whose
/// AIA caIssuers URL points at a listener that accepts and never answers (a CA host behind a firewall). A client that
/// tries to download the missing issuer shows up in <see cref="AiaConnections"/> and waits there. Answers
/// <c>200 ok</c> to whoever completes the handshake anyway.
/// </summary>
public sealed class IncompleteChainServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _held = [];
    private readonly TcpListener _aia = new(IPAddress.Loopback, 0);
    private readonly TcpListener _https = new(IPAddress.Loopback, 0);
    private readonly SslStreamCertificateContext _context;
    private readonly TimeSpan _latency;
    private int _aiaConnections;

    private IncompleteChainServer(TimeSpan latency)
    {
        _latency = latency;
        _aia.Start(64);
        _https.Start(64);
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(null, [$"http://127.0.0.1:{((IPEndPoint)_aia.LocalEndpoint).Port}/issuer.cer"]));
        using var signed = request.Create(new X500DistinguishedName("CN=Unsent Intermediate"), X509SignatureGenerator.CreateForECDsa(issuerKey), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3, 4]);
        using var withKey = signed.CopyWithPrivateKey(key);
        _context = SslStreamCertificateContext.Create(X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null), null, offline: true);
        _ = HoldAiaAsync();
        _ = ServeAsync();
    }

    public int Port => ((IPEndPoint)_https.LocalEndpoint).Port;

    public string Url => $"https://127.0.0.1:{Port}/";

    /// <summary>Connections to the AIA URL: a client that downloads the missing issuer.</summary>
    public int AiaConnections => Volatile.Read(ref _aiaConnections);

    /// <param name="latency">Delay before the server's first flight: on loopback without it the client's read completes synchronously, unlike on a network.</param>
    public static IncompleteChainServer Start(TimeSpan? latency = null) => new(latency ?? TimeSpan.FromMilliseconds(50));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _aia.Stop();
        _https.Stop();
        lock (_held)
        {
            foreach (var socket in _held)
            {
                socket.Dispose();
            }
        }

        _stop.Dispose();
    }

    private async Task HoldAiaAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _aia.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _aiaConnections);
                lock (_held)
                {
                    _held.Add(socket);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _https.AcceptSocketAsync(_stop.Token);
                _ = Task.Run(() => AnswerAsync(socket));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task AnswerAsync(Socket socket)
    {
        try
        {
            await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
            await Task.Delay(_latency, _stop.Token);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = _context }, _stop.Token);
            var buffer = new byte[8192];
            var seen = 0;
            while (!Encoding.ASCII.GetString(buffer, 0, seen).Contains("\r\n\r\n", StringComparison.Ordinal) && seen < buffer.Length)
            {
                var read = await tls.ReadAsync(buffer.AsMemory(seen), _stop.Token);
                if (read == 0)
                {
                    return;
                }

                seen += read;
            }

            await tls.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray(), _stop.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException or SocketException)
        {
        }
    }
}
