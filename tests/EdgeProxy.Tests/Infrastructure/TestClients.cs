using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.Tests.Infrastructure;

public static class TestClients
{
    private const string PortRangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// An HttpClient for https://{host}:{port}/ whose connections go to 127.0.0.1 whatever the host (so SNI
    /// and Host carry <paramref name="host"/>), trusting only the test PKI, with the certificates the server
    /// sent as the only intermediates.
    /// </summary>
    public static HttpClient Https(int port, string host = "localhost", bool http2 = false, TestPki? pki = null, bool trustAny = false, Action<X509Certificate2>? seen = null, X509Certificate2? clientCertificate = null, X509Certificate2Collection? clientChain = null, CookieContainer? cookies = null)
    {
        pki ??= TestPki.Instance;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, port, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    var leaf = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
                    seen?.Invoke(leaf);
                    return trustAny || pki.Validates(leaf, chain!.ChainPolicy.ExtraStore);
                },
            },
            AllowAutoRedirect = false,
            ActivityHeadersPropagator = null, // a test client sends exactly the trace headers its test sets
        };
        if (cookies is not null)
        {
            handler.CookieContainer = cookies; // shared by clients of different ports (cookies ignore the port)
        }

        if (clientCertificate is not null)
        {
            // A certificate context sends the intermediates too, as a smart-card middleware would.
            handler.SslOptions.ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, clientChain ?? [], offline: true);
        }

        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"https://{host}:{port}/"),
            DefaultRequestVersion = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public static HttpClient Plain(int port) => new(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>
    /// A port for a listener a test must name before it binds it (a CA that validates there, an external peer's
    /// command line). Taken below the kernel's ephemeral range (<c>ip_local_port_range</c>, 32768–60999 by default):
    /// a port from that range, found free and released, can be taken by a concurrent test's outgoing connection
    /// before the bind (CI saw "address already in use" that way), while ports below it are never handed out.
    /// No port is handed out twice in one run: two tests given the same free port, each binding it later, collide
    /// (CI saw that too, for an ACME test whose proxy binds its HTTP-01 port two seconds after asking).
    /// </summary>
    public static int FreePort()
    {
        var ephemeralLow = File.Exists(PortRangeFile) && int.TryParse(File.ReadAllText(PortRangeFile).Split('\t', ' ')[0], out var low) ? low : 32768;
        var (from, to) = (Math.Max(1024, ephemeralLow - 12768), ephemeralLow);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(from, to);
            lock (HandedOut)
            {
                if (!HandedOut.Add(port))
                {
                    continue;
                }
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: another
            }
        }

        throw new InvalidOperationException($"no free loopback port in {from}-{to - 1}");
    }
}
