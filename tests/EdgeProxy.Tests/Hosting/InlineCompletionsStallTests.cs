using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Hosting;

/// <summary>
/// With socket completions inline, the continuation of an upstream socket read runs on one of the runtime's
/// ".NET Sockets" threads (one per core), which also serve every other connection's reads, the clients' included.
/// Whatever blocks there stalls them all. Here: an HTTPS upstream that sends its leaf without the intermediate (a common
/// mistake), whose AIA caIssuers URL accepts and never answers (a CA host behind a firewall, or overloaded). SslStream
/// builds the upstream's chain when the read of the server's last handshake flight completes, and .NET on Linux then
/// downloads the missing issuer synchronously (X509Chain.Build, FindChainViaAia, HttpClient.Send) for up to 15 s:
/// with inline completions on the socket engine thread, so requests to healthy routes waited that long too (probe max
/// 13–15 s). EdgeProxy's upstream clients never download (Tls/OutboundTls): the AIA host is never contacted, the broken
/// route answers 502 at once, as nginx would, and the healthy route does not notice.
/// </summary>
public sealed class InlineCompletionsStallTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _held = [];
    private readonly List<TcpListener> _listeners = [];
    private int _aiaConnections;
    private TestUpstream? _good;

    public async Task InitializeAsync() => _good = await TestUpstream.StartEchoAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var listener in _listeners)
        {
            listener.Stop();
        }

        lock (_held)
        {
            foreach (var socket in _held)
            {
                socket.Dispose();
            }
        }

        if (_good is not null)
        {
            await _good.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _stop.Dispose();
        _dir.Dispose();
    }

    [Theory]
    [InlineData(null)] // EdgeProxy's default: inline
    [InlineData("0")]
    public async Task AnUpstreamWhoseIssuerDownloadHangs_DoesNotStallOtherClients(string? inline)
    {
        var aia = StartSilentServer();
        var bad = StartIncompleteChainUpstream(aia);
        var (http, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{http}").Remove("Kestrel:Endpoints:Https").Set("EdgeProxy:HttpsRedirect:Enabled", false)
            .Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{admin}")
            .Route("good", "/good/{**rest}", "good").Cluster("good", _good!.Url)
            .Route("bad", "/bad/{**rest}", "bad").Cluster("bad", $"https://127.0.0.1:{bad}");
        var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()], new Dictionary<string, string?> { [Variable] = inline, ["DOTNET_PROCESSOR_COUNT"] = "2" });
        await using var _ = proxy;
        await proxy.WaitReadyAsync(admin);

        using var probe = TestClients.Plain(http);
        (await Probe(probe, 10)).Max().Should().BeLessThan(1000, "before the attack\n" + proxy.Output);

        var broken = Stopwatch.StartNew();
        using (var response = await probe.GetAsync("/bad/first"))
        {
            ((int)response.StatusCode).Should().Be(502, "the upstream's chain cannot be completed without its intermediate");
        }

        broken.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "refused at once, not after a 15 s download attempt");

        // Two requests at a time to the broken route, for as long as the probe runs: each is a new upstream
        // connection whose handshake waits for the issuer download (the runtime gives up after 15 s).
        var attackers = Enumerable.Range(0, 2).Select(i => Task.Run(async () =>
        {
            using var client = TestClients.Plain(http);
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync($"/bad/{i}", _stop.Token);
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                }
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(2));
        var latencies = await Probe(probe, 30);
        await _stop.CancelAsync();
        await Task.WhenAll(attackers);

        var sorted = latencies.Order().ToArray();
        var setting = $"{Variable}={inline ?? "(unset)"}";
        output.WriteLine($"{setting}: probe p50 {sorted[sorted.Length / 2]} ms, p99 {sorted[(int)(sorted.Length * 0.99)]} ms, max {sorted[^1]} ms");
        sorted[^1].Should().BeLessThan(1000, $"a healthy route must not wait for another route's upstream ({setting}); probe latencies in ms: {string.Join(' ', latencies)}");
        Volatile.Read(ref _aiaConnections).Should().Be(0, "EdgeProxy never downloads an issuer the upstream left out");
    }

    /// <summary>Sequential requests to the healthy route, each on a new connection (so on either socket engine thread); their latencies in ms.</summary>
    private static async Task<List<long>> Probe(HttpClient client, int count)
    {
        var latencies = new List<long>(count);
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/good/{i}");
            request.Headers.ConnectionClose = true;
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            latencies.Add(clock.ElapsedMilliseconds);
        }

        return latencies;
    }

    /// <summary>A listener that accepts and then says nothing: a CA's AIA host behind a firewall that answers SYNs, or an overloaded one.</summary>
    private int StartSilentServer()
    {
        var listener = Listen();
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _aiaConnections);
                lock (_held)
                {
                    _held.Add(socket);
                }
            }
        });
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>An HTTPS upstream that sends its leaf only; the leaf names its issuer's certificate at http://127.0.0.1:{aiaPort}/issuer.cer.</summary>
    private int StartIncompleteChainUpstream(int aiaPort)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(null, [$"http://127.0.0.1:{aiaPort}/issuer.cer"]));
        using var signed = request.Create(new X500DistinguishedName("CN=Unsent Intermediate"), X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3, 4]);
        var leaf = X509CertificateLoader.LoadPkcs12(signed.CopyWithPrivateKey(key).Export(X509ContentType.Pfx), null);
        var context = SslStreamCertificateContext.Create(leaf, null, offline: true);

        var listener = Listen();
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await listener.AcceptSocketAsync(_stop.Token);
                _ = Task.Run(() => ServeAsync(socket, context));
            }
        });
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task ServeAsync(Socket socket, SslStreamCertificateContext context)
    {
        try
        {
            await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
            await Task.Delay(50, _stop.Token); // network latency: the proxy's read of the server's first flight is pending when it comes
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context }, _stop.Token);
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
        catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
        }
    }

    private TcpListener Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(64);
        _listeners.Add(listener);
        return listener;
    }
}
