using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ForwardedHeaders;

/// <summary>
/// PROXY protocol on the TLS endpoint: curl --haproxy-protocol as a real v1 peer, hand-built v1 and v2
/// headers for exact addresses, and every refusal (untrusted peer, no header, malformed header).
/// Trusted: 127.0.0.2 and 10.0.0.0/8.
/// </summary>
public sealed class ProxyProtocolEndToEndTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly IPAddress Trusted = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Untrusted = IPAddress.Parse("127.0.0.9");
    private readonly TempDirectory _dir = new();
    private TestUpstream _upstream = null!;
    private ProxyInstance _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HeaderEchoUpstream.StartAsync();
        var config = ForwardedConfig.Create(_dir, _upstream.Url, "127.0.0.2", "10.0.0.0/8")
            .Set("EdgeProxy:TrustedProxies:ProxyProtocol", new[] { "Https" });
        _proxy = await ProxyInstance.StartAsync(config, output);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    [Fact]
    public async Task Curl_HaproxyProtocolV1_FromTrustedPeer_IsServed()
    {
        var (exit, stdout, stderr) = await CurlAsync("--haproxy-protocol", "--interface", "127.0.0.2", "-H", "X-Forwarded-For: 203.0.113.7");

        exit.Should().Be(0, stderr);
        stdout.Should().Contain("\"X-Real-IP\":[\"203.0.113.7\"]", "curl's PROXY header names 127.0.0.2, which is trusted, so its X-Forwarded-For counts");
        stdout.Should().Contain("\"X-Forwarded-For\":[\"203.0.113.7, 127.0.0.2\"]");
    }

    [Fact]
    public async Task Curl_HaproxyProtocolV1_FromUntrustedPeer_IsClosedAndLogged()
    {
        var (exit, _, _) = await CurlAsync("--haproxy-protocol", "--interface", "127.0.0.9");

        exit.Should().NotBe(0);
        await _proxy.Logs.WaitForAsync(e => e.MessageTemplate.Text.Contains("not in EdgeProxy:TrustedProxies:Networks") && e.RenderMessage().Contains("127.0.0.9"));
    }

    [Fact]
    public async Task Curl_WithoutHeader_OnProxyProtocolEndpoint_IsClosedAndLogged()
    {
        var (exit, _, _) = await CurlAsync("--interface", "127.0.0.2");

        exit.Should().NotBe(0);
        await _proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("does not start with a PROXY protocol header"));
    }

    [Fact]
    public async Task HAProxy_SendProxyV2_ClientBehindTheBalancerIsTheClient()
    {
        // A real v2 peer: HAProxy in TCP mode connects from 127.0.0.2 (trusted) and names the client 127.0.0.9.
        var port = FreePort();
        var config = _dir.Combine("haproxy.cfg");
        File.WriteAllText(config, $"""
            defaults
              mode tcp
              timeout connect 5s
              timeout client 30s
              timeout server 30s
            frontend fe
              bind 127.0.0.1:{port}
              default_backend be
            backend be
              server edge 127.0.0.1:{_proxy.HttpsPort} send-proxy-v2 source 127.0.0.2
            """ + "\n");
        var start = new ProcessStartInfo("haproxy") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-f", config, "-db"])
        {
            start.ArgumentList.Add(arg);
        }

        using var haproxy = Process.Start(start) ?? throw new InvalidOperationException("haproxy is required (apt-get install haproxy)");
        try
        {
            await WaitForPortAsync(port, haproxy);
            using var client = SourceBoundClient.Create(Untrusted, IPAddress.Loopback, port);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/haproxy");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6");

            using var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(15));
            var echo = await HeaderEchoUpstream.ReadAsync(response);

            echo.Header("X-Real-IP").Should().Be("127.0.0.9");
            echo.Header("X-Forwarded-For").Should().Be("127.0.0.9");
        }
        finally
        {
            haproxy.Kill();
            await haproxy.WaitForExitAsync();
            output.WriteLine("haproxy: " + await haproxy.StandardError.ReadToEndAsync());
        }
    }

    [Fact]
    public async Task V1_SourceAddressBecomesTheClient_AndSpoofedHeadersAreStripped()
    {
        var echo = await SendAsync(Trusted, Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 127.0.0.1 4711 443\r\n"), "6.6.6.6");

        echo.Header("X-Real-IP").Should().Be("203.0.113.7");
        echo.Header("X-Forwarded-For").Should().Be("203.0.113.7");
    }

    [Fact]
    public async Task V1_Tcp6()
    {
        var echo = await SendAsync(Trusted, Encoding.ASCII.GetBytes("PROXY TCP6 2001:db9::7 ::1 4711 443\r\n"));

        echo.Header("X-Real-IP").Should().Be("2001:db9::7");
    }

    [Fact]
    public async Task V1_Unknown_KeepsTheConnectionsAddress()
    {
        var echo = await SendAsync(Trusted, Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n"));

        echo.Header("X-Real-IP").Should().Be("127.0.0.2");
    }

    [Fact]
    public async Task V2_Tcp4()
    {
        var echo = await SendAsync(Trusted, V2(IPAddress.Parse("203.0.113.8"), IPAddress.Parse("127.0.0.1"), 4711, 443));

        echo.Header("X-Real-IP").Should().Be("203.0.113.8");
    }

    [Fact]
    public async Task V2_Tcp6_WithTlvs()
    {
        var echo = await SendAsync(Trusted, V2(IPAddress.Parse("2001:db9::8"), IPAddress.IPv6Loopback, 4711, 443, tlvs: [0x04, 0x00, 0x03, 0x61, 0x62, 0x63]));

        echo.Header("X-Real-IP").Should().Be("2001:db9::8");
    }

    [Fact]
    public async Task V2_Local_KeepsTheConnectionsAddress()
    {
        var echo = await SendAsync(Trusted, V2(IPAddress.Parse("203.0.113.8"), IPAddress.Loopback, 1, 2, command: 0x20));

        echo.Header("X-Real-IP").Should().Be("127.0.0.2");
    }

    [Fact]
    public async Task V2_TrustedSource_ItsForwardedForCounts()
    {
        var echo = await SendAsync(Trusted, V2(IPAddress.Parse("10.1.1.1"), IPAddress.Loopback, 4711, 443), "203.0.113.7");

        echo.Header("X-Real-IP").Should().Be("203.0.113.7");
        echo.Header("X-Forwarded-For").Should().Be("203.0.113.7, 10.1.1.1");
    }

    [Fact]
    public async Task V2_HeaderSplitAcrossWrites_IsReassembled()
    {
        var header = V2(IPAddress.Parse("203.0.113.9"), IPAddress.Loopback, 4711, 443);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(Trusted, 0));
        await socket.ConnectAsync(IPAddress.Loopback, _proxy.HttpsPort);
        await socket.SendAsync(header.AsMemory(0, 7), SocketFlags.None);
        await Task.Delay(100);
        await socket.SendAsync(header.AsMemory(7), SocketFlags.None);
        await using var tls = new System.Net.Security.SslStream(new NetworkStream(socket), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost").WaitAsync(TimeSpan.FromSeconds(10));
        await tls.WriteAsync(Encoding.ASCII.GetBytes("GET /split HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(tls);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));

        response.Should().StartWith("HTTP/1.1 200").And.Contain("\"X-Real-IP\":[\"203.0.113.9\"]");
    }

    [Theory]
    [InlineData("v1 short address", "PROXY TCP4 203.0.113 127.0.0.1 4711 443\r\n")]
    [InlineData("v1 family mismatch", "PROXY TCP4 2001:db9::7 127.0.0.1 4711 443\r\n")]
    [InlineData("v1 port out of range", "PROXY TCP4 203.0.113.7 127.0.0.1 70000 443\r\n")]
    [InlineData("v1 missing field", "PROXY TCP4 203.0.113.7 127.0.0.1 4711\r\n")]
    [InlineData("v1 bare LF", "PROXY TCP4 203.0.113.7 127.0.0.1 4711 443\n")]
    [InlineData("v1 no CRLF in 107 bytes", "PROXY TCP4 203.0.113.7 127.0.0.1 4711 443 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    [InlineData("v1 lower case", "proxy TCP4 203.0.113.7 127.0.0.1 4711 443\r\n")]
    public async Task MalformedV1_IsClosedAndLogged(string name, string header)
    {
        var send = () => SendAsync(Trusted, Encoding.ASCII.GetBytes(header));

        await RefusedAsync(send, name);
        await _proxy.Logs.WaitForAsync(e => e.Properties.TryGetValue("Reason", out _));
    }

    [Theory]
    [InlineData("version 1", 0x11)]
    [InlineData("command 2", 0x22)]
    public async Task MalformedV2_IsClosedAndLogged(string name, byte versionCommand)
    {
        var header = V2(IPAddress.Parse("203.0.113.8"), IPAddress.Loopback, 1, 2, command: versionCommand);

        var send = () => SendAsync(Trusted, header);

        await RefusedAsync(send, name);
        await _proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("version/command"));
    }

    [Fact]
    public async Task V2_TooShortForFamily_IsClosed()
    {
        var header = V2(IPAddress.Parse("203.0.113.8"), IPAddress.Loopback, 1, 2);
        header[15] = 4; // payload length 4: not enough for two IPv4 addresses and ports
        var send = () => SendAsync(Trusted, header[..20]);

        await RefusedAsync(send);
        await _proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("too short"));
    }

    [Fact]
    public async Task ValidHeader_FromUntrustedPeer_IsClosed()
    {
        var send = () => SendAsync(Untrusted, Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 127.0.0.1 4711 443\r\n"));

        await RefusedAsync(send);
    }

    [Fact]
    public async Task AfterRefusals_TheEndpointStillServes()
    {
        await RefusedAsync(() => SendAsync(Untrusted, Encoding.ASCII.GetBytes("garbage\r\n")));

        var echo = await SendAsync(Trusted, Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 127.0.0.1 4711 443\r\n"));

        echo.Header("X-Real-IP").Should().Be("203.0.113.7");
    }

    /// <summary>The proxy closed the connection: the client sees a reset or an early end, never a response.</summary>
    private static async Task RefusedAsync(Func<Task> send, string because = "")
    {
        var thrown = await send.Should().ThrowAsync<Exception>(because);
        thrown.Which.Should().Match(e => e is HttpRequestException || e is SocketException || e is IOException, because);
    }

    private async Task<HeaderEchoUpstream.Echo> SendAsync(IPAddress source, byte[] proxyHeader, string? xff = null)
    {
        using var client = SourceBoundClient.Create(source, IPAddress.Loopback, _proxy.HttpsPort, beforeRequest: proxyHeader);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/pp");
        if (xff is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", xff);
        }

        using var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(15));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await HeaderEchoUpstream.ReadAsync(response);
    }

    /// <summary>A PROXY v2 header built from the spec, byte by byte.</summary>
    private static byte[] V2(IPAddress source, IPAddress destination, ushort sourcePort, ushort destinationPort, byte command = 0x21, byte[]? tlvs = null)
    {
        byte[] signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
        var v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        var addresses = new List<byte>();
        addresses.AddRange(source.GetAddressBytes());
        addresses.AddRange((v6 ? destination : destination.MapToIPv4()).GetAddressBytes());
        var ports = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(ports, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(ports.AsSpan(2), destinationPort);
        addresses.AddRange(ports);
        addresses.AddRange(tlvs ?? []);
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)addresses.Count);
        return [.. signature, command, (byte)(v6 ? 0x21 : 0x11), .. length, .. addresses];
    }

    private async Task<(int Exit, string Stdout, string Stderr)> CurlAsync(params string[] args)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-sS", "-k", "--max-time", "10", .. args, $"https://127.0.0.1:{_proxy.HttpsPort}/curl"])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("curl is required (apt-get install curl)");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        output.WriteLine($"curl exit {process.ExitCode}: {await stdout} {await stderr}");
        return (process.ExitCode, await stdout, await stderr);
    }

    private static int FreePort() => TestClients.FreePort();

    private static async Task WaitForPortAsync(int port, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            process.HasExited.Should().BeFalse("haproxy must run: " + (process.HasExited ? await process.StandardError.ReadToEndAsync() : string.Empty));
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"nothing listened on {port} within 10 s");
    }
}
