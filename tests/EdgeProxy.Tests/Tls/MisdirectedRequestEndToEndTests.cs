using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using EdgeProxy.Tests.Acme;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Tls;

/// <summary>
/// One TLS policy per request, through real connections whose server name (SNI) and Host/<c>:authority</c> differ:
/// a Host whose SNI entry has other TLS settings than the connection's gets 421 with a clear body and reaches no
/// upstream; names under one policy keep sharing a connection (HTTP/2 coalescing); no SNI is judged by the default entry.
/// </summary>
public sealed class MisdirectedRequestEndToEndTests(MisdirectedRequestFixture fixture, ITestOutputHelper output) : IClassFixture<MisdirectedRequestFixture>
{
    /// <summary>Server name (null: none, as when connecting by IP), Host, whether the client shows its certificate, expected status.</summary>
    public static readonly TheoryData<string?, string, bool, int> Cases = new()
    {
        { "open.test", "open.test", false, 200 },
        { "open.test", "also.test", false, 200 },      // two names, one certificate, same settings: coalescing keeps working
        { "also.test", "open.test", false, 200 },
        { "open.test", "OPEN.TEST", false, 200 },
        { "open.test", "mtls.test", false, 421 },      // the attack: handshake without a certificate, then name the host that requires one
        { "open.test", "MTLS.TEST", false, 421 },
        { "open.test", "mtls.test.", false, 421 },     // trailing dot
        { "open.test", "mtls.test:443", false, 421 },  // explicit port
        { "mtls.test", "mtls.test", true, 200 },
        { "mtls.test", "open.test", true, 421 },       // the other way round: still another policy
        { "open.test", "a.wild.test", false, 421 },
        { "a.wild.test", "b.wild.test", false, 200 },  // one wildcard entry covers both
        { "a.wild.test", "x.y.wild.test", false, 421 }, // two labels: not the wildcard's, so the default entry
        { null, "mtls.test", false, 421 },             // no SNI: judged by the default entry
        { null, "127.0.0.1", false, 200 },
        { null, "unknown.test", false, 200 },          // a host no entry names maps to the default entry
        { null, "localhost", false, 200 },
        { "unknown.test", "localhost", false, 200 },   // an unnamed server name got the default entry too
        { "open.test", "localhost", false, 421 },      // the default entry has another certificate
        { "open.test", "unknown.test", false, 421 },
        { "open.test", "h1.test", false, 421 },        // Protocols differ
        { "open.test", "tls13.test", false, 421 },     // SslProtocols differ
        { "open.test", "allow.test", false, 421 },     // ClientCertificateMode differs
        { "allow.test", "open.test", false, 421 },
    };

    public static TheoryData<string?, string, bool, int, MisdirectedPeer> PeerCases()
    {
        var data = new TheoryData<string?, string, bool, int, MisdirectedPeer>();
        foreach (var row in Cases)
        {
            foreach (var peer in Enum.GetValues<MisdirectedPeer>())
            {
                data.Add((string?)row[0], (string)row[1], (bool)row[2], (int)row[3], peer);
            }
        }

        return data;
    }

    [ToolTheory("curl")]
    [MemberData(nameof(PeerCases))]
    public async Task HostUnderAnotherTlsPolicy_Gets421_BeforeAnyUpstream(string? serverName, string host, bool certificate, int expected, MisdirectedPeer peer)
    {
        var path = $"/case/{serverName ?? "none"}/{host}/{peer}";

        var (status, body, version) = await SendAsync(peer, serverName, host, path, certificate);

        status.Should().Be(expected, body);
        version.Should().Be(peer is MisdirectedPeer.CurlHttp2 or MisdirectedPeer.HttpClientHttp2 ? "2" : "1.1");
        var seen = fixture.Upstream.For(path);
        if (expected == 421)
        {
            var made = serverName is null ? "without a server name (SNI)" : $"for server name '{serverName}'";
            var named = host.Split(':')[0];
            body.Should().Be($"421 Misdirected Request: this connection was made {made}, whose TLS settings differ from those of '{named}'; connect again with '{named}' as the server name\n");
            seen.Should().BeEmpty("a misdirected request reaches no upstream");
        }
        else
        {
            seen.Should().ContainSingle().Which.Host.Split(':')[0].Should().Be(host.Split(':')[0]);
        }
    }

    [ToolFact("curl")]
    public async Task Curl_TwoNamesOfOneEntry_ShareOneHttp2Connection_AMisdirectedOneDoesNotBreakIt()
    {
        var before = fixture.AcceptedConnections;
        var url = $"https://open.test:{fixture.Port}";
        string[] Next(string host, string path) => ["--next", "-sS", "-k", "--http2", "--resolve", $"open.test:{fixture.Port}:127.0.0.1", "-H", $"Host: {host}", "-w", "%{http_version} %{http_code} %{num_connects}\n", "-o", "/dev/null", url + path];

        var result = await ExternalTool.RunAsync(ExternalTool.Require("curl"),
            [.. Next("open.test", "/coalesce/1")[1..], .. Next("also.test", "/coalesce/2"), .. Next("mtls.test", "/coalesce/3"), .. Next("open.test", "/coalesce/4")], TimeSpan.FromSeconds(30));

        result.ExitCode.Should().Be(0, result.All);
        result.StdOut.Should().Be("2 200 1\n2 200 0\n2 421 0\n2 200 0\n", "one connection (num_connects 1, then 0) carried all four requests");
        fixture.AcceptedConnections.Should().Be(before + 1, "the proxy accepted exactly one TCP connection for them");
        fixture.Upstream.For("/coalesce/2").Should().ContainSingle().Which.Host.Should().StartWith("also.test");
        fixture.Upstream.For("/coalesce/3").Should().BeEmpty();
    }

    [ToolFact("node")]
    public async Task Node_Http2Session_CoalescesSameEntry_421ForTheOther_OnOneSession()
    {
        var before = fixture.AcceptedConnections;
        const string script = """
            const http2 = require('node:http2');
            const [port, ...hosts] = process.argv.slice(1);
            const session = http2.connect(`https://127.0.0.1:${port}`, { servername: 'open.test', rejectUnauthorized: false });
            let sockets = 0;
            session.on('connect', () => sockets++);
            const get = (target, path) => new Promise((resolve, reject) => {
              const [authority, host] = target.split('|'); // "a|b": :authority a plus a host header b
              const req = session.request({ ':method': 'GET', ':path': path, ':authority': authority, ...(host ? { host } : {}) });
              let status = 0, body = '';
              req.on('response', h => status = h[':status']);
              req.on('data', d => body += d);
              req.on('end', () => resolve(`${target} ${status} ${body.trim()}`));
              req.on('error', reject);
              req.end();
            });
            (async () => {
              for (const host of hosts) console.log(await get(host, `/node/${host.replace('|', '-')}`));
              console.log(`sessions ${sockets}`);
              session.close();
            })().catch(e => { console.error(e); process.exit(1); });
            """;

        var result = await ExternalTool.RunAsync(ExternalTool.Require("node"), ["-e", script, fixture.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "open.test", "also.test", "mtls.test", "b.wild.test", "open.test|mtls.test", "open.test"], TimeSpan.FromSeconds(30));

        result.ExitCode.Should().Be(0, result.All);
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be($"open.test 200 upstream:open.test/node/open.test");
        lines[1].Should().Be($"also.test 200 upstream:also.test/node/also.test");
        lines[2].Should().StartWith("mtls.test 421 421 Misdirected Request: this connection was made for server name 'open.test'");
        lines[3].Should().StartWith("b.wild.test 421 ");
        lines[4].Should().Be("open.test|mtls.test 200 upstream:open.test/node/open.test-mtls.test", ":authority wins over a host header, for the 421 check and for what the upstream sees alike");
        lines[5].Should().Be($"open.test 200 upstream:open.test/node/open.test");
        lines[6].Should().Be("sessions 1");
        fixture.AcceptedConnections.Should().Be(before + 1);
        fixture.Upstream.For("/node/mtls.test").Should().BeEmpty();
    }

    [Fact]
    public async Task Raw_Http11_KeepAlive_421ThenRightHostOnTheSameConnection_AbsoluteFormAndNoHost()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, fixture.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, chain, _) => TestPki.Validates(certificate, chain));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "open.test", ApplicationProtocols = [SslApplicationProtocol.Http11] });

        (await Exchange(tls, "GET /raw/1 HTTP/1.1\r\nHost: mtls.test\r\n\r\n")).Should().StartWith("HTTP/1.1 421 Misdirected Request\r\n");
        (await Exchange(tls, "GET /raw/2 HTTP/1.1\r\nHost: open.test\r\n\r\n")).Should().StartWith("HTTP/1.1 200 OK\r\n", "the connection stays usable for its own policy");
        (await Exchange(tls, "GET https://mtls.test/raw/3 HTTP/1.1\r\nHost: mtls.test\r\n\r\n")).Should().StartWith("HTTP/1.1 421 ", "the absolute form names the host too");
        (await Exchange(tls, "GET /raw/4 HTTP/1.0\r\n\r\n")).Should().StartWith("HTTP/1.1 200 OK\r\n", "no Host names no other policy");

        fixture.Upstream.For("/raw/1").Should().BeEmpty();
        fixture.Upstream.For("/raw/3").Should().BeEmpty();
        fixture.Upstream.For("/raw/2").Should().ContainSingle();
        fixture.Upstream.For("/raw/4").Should().ContainSingle();
    }

    /// <summary>
    /// A Host that is no host name (two trailing dots, an empty label) gets 400 before the SNI lookup and any route; one
    /// trailing dot is the root and is judged as the name without it. Sent over a connection made for <c>localhost</c>
    /// (the default entry), where <c>unknown.test..</c> used to be served by the catch-all with that Host passed on.
    /// </summary>
    [Theory]
    [InlineData("mtls.test..", 400)]
    [InlineData("unknown.test..", 400)]
    [InlineData("localhost..", 400)]
    [InlineData(".unknown.test", 400)]
    [InlineData("unknown..test", 400)]
    [InlineData("unknown.test..:443", 400)]
    [InlineData("unknown.test.:443", 200)]
    [InlineData("localhost.", 200)]
    [InlineData("unknown.test.", 200)]
    [InlineData("mtls.test.", 421)]
    public async Task HostThatIsNoHostName_Gets400_OneTrailingDotIsTheName(string host, int expected)
    {
        var tag = host.Replace(':', '_');
        var h1 = await RawHttp1.SendAsync(fixture.Port, $"GET /badhost/h1/{tag} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        var h2 = await RawHttp2.SendAsync(fixture.Port, [(":method", "GET"), (":scheme", "https"), (":authority", host), (":path", $"/badhost/h2/{tag}")]);

        using var scope = new FluentAssertions.Execution.AssertionScope();
        h1.Status.Should().Be(expected, h1.ToString());
        h2.Status.Should().Be(expected, h2.ToString());
        if (expected == 400)
        {
            h1.Body.Should().Contain($"Host '{host.Split(':')[0]}' is not a host name");
            h2.Body.Should().Contain($"Host '{host.Split(':')[0]}' is not a host name");
        }

        fixture.Upstream.For($"/badhost/h1/{tag}").Should().HaveCount(expected == 200 ? 1 : 0);
        fixture.Upstream.For($"/badhost/h2/{tag}").Should().HaveCount(expected == 200 ? 1 : 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Misdirected_CarriesOneHsts_IsInTheAccessLog_AndLoggedWithItsId(bool http2)
    {
        using var client = new SniOverrideClient(fixture.Port, "open.test", http2);
        var path = $"/logged/{http2}";

        using var response = await client.GetAsync("mtls.test", path);

        response.StatusCode.Should().Be(HttpStatusCode.MisdirectedRequest);
        response.Content.Headers.ContentType!.ToString().Should().Be("text/plain; charset=utf-8");
        response.Headers.GetValues("Strict-Transport-Security").Should().ContainSingle().Which.Should().Be("max-age=31536000");
        var access = await fixture.Proxy.Logs.WaitForAsync(e => e.Properties.TryGetValue("Path", out var p) && p.ToString() == $"\"{path}\"");
        access.Properties["StatusCode"].ToString().Should().Be("421");
        access.Properties["Host"].ToString().Should().Be("\"mtls.test\"");
        access.Properties["RouteId"].ToString().Should().Be("\"-\"", "no route was chosen");
        (await fixture.Proxy.Logs.WaitForAsync(e => e.EventId() == EventIds.MisdirectedRequest && e.Properties["ServerName"].ToString() == "\"open.test\"")).Should().NotBeNull();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ListenerWithOnePolicy_NeverAnswers421_RoutesStillDecide(bool http2)
    {
        using var client = new SniOverrideClient(fixture.SinglePort, "open.test", http2);

        foreach (var (host, expected) in new[] { ("open.test", 200), ("anything.example", 200), ("127.0.0.1", 200), ("mtls.test", 403) })
        {
            using var response = await client.GetAsync(host, $"/single/{http2}/{host}");
            ((int)response.StatusCode).Should().Be(expected, $"{host}: {await response.Content.ReadAsStringAsync()}");
        }

        fixture.Upstream.For($"/single/{http2}/anything.example").Should().ContainSingle();
        fixture.Upstream.For($"/single/{http2}/mtls.test").Should().BeEmpty("the mtls.test route requires a certificate this connection did not show");
    }

    [ToolFact("pebble", "pebble-challtestsrv", "curl")]
    public async Task AcmeManagedHosts_EachCertificateIsItsOwnPolicy()
    {
        using var dir = new TempDirectory();
        var httpPort = Acme.PebbleServer.FreePort();
        await using var pebble = await Acme.PebbleServer.StartAsync(dir.Path, output, httpPort);
        var config = Acme.AcmeTestSetup.Config(dir.Path, pebble, httpPort, "a.edgeproxy.test", "b.edgeproxy.test")
            .Route("all", "{**rest}", "app").Cluster("app", fixture.Upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        await Acme.AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, "a.edgeproxy.test");
        await Acme.AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, "b.edgeproxy.test");

        async Task<int> Status(string serverName, string host, string path)
        {
            var result = await ExternalTool.RunAsync(ExternalTool.Require("curl"),
                ["-sS", "-k", "--http2", "--resolve", $"{serverName}:{proxy.HttpsPort}:127.0.0.1", "-H", $"Host: {host}", "-o", "/dev/null", "-w", "%{http_code}", $"https://{serverName}:{proxy.HttpsPort}{path}"],
                TimeSpan.FromSeconds(30));
            return int.Parse(result.StdOut, System.Globalization.CultureInfo.InvariantCulture);
        }

        (await Status("a.edgeproxy.test", "a.edgeproxy.test", "/acme/a")).Should().Be(200);
        (await Status("a.edgeproxy.test", "b.edgeproxy.test", "/acme/a-b")).Should().Be(421, "each ACME host has its own certificate");
        (await Status("a.edgeproxy.test", "localhost", "/acme/a-default")).Should().Be(421, "a name ACME does not manage belongs to the default entry");
        (await Status("localhost", "b.edgeproxy.test", "/acme/default-b")).Should().Be(421);
        (await Status("localhost", "unmanaged.example", "/acme/default-other")).Should().Be(200);
        fixture.Upstream.Requests.Where(r => r.Path is "/acme/a-b" or "/acme/a-default" or "/acme/default-b").Should().BeEmpty();
    }

    private async Task<(int Status, string Body, string Version)> SendAsync(MisdirectedPeer peer, string? serverName, string host, string path, bool certificate)
    {
        if (peer is MisdirectedPeer.HttpClientHttp11 or MisdirectedPeer.HttpClientHttp2)
        {
            using var client = new SniOverrideClient(fixture.Port, serverName, peer == MisdirectedPeer.HttpClientHttp2, certificate ? fixture.Client.Leaf : null);
            using var response = await client.GetAsync(host, path);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Version.ToString() == "2.0" ? "2" : "1.1");
        }

        // curl sends no SNI for an IP address; for a name, --resolve pins it to the proxy. -H Host becomes :authority on HTTP/2.
        var target = serverName is null ? $"https://127.0.0.1:{fixture.Port}{path}" : $"https://{serverName}:{fixture.Port}{path}";
        string[] resolve = serverName is null ? [] : ["--resolve", $"{serverName}:{fixture.Port}:127.0.0.1"];
        string[] cert = certificate ? ["--cert", fixture.Client.CertPath, "--key", fixture.Client.KeyPath] : [];
        var result = await ExternalTool.RunAsync(ExternalTool.Require("curl"),
            ["-sS", "-k", peer == MisdirectedPeer.CurlHttp2 ? "--http2" : "--http1.1", .. resolve, .. cert, "-H", $"Host: {host}", "-w", "\n%{http_version} %{http_code}", target],
            TimeSpan.FromSeconds(30));
        output.WriteLine(result.All);
        result.ExitCode.Should().Be(0, result.All);
        var lines = result.StdOut.Split('\n');
        var last = lines[^1].Split(' ');
        return (int.Parse(last[1], System.Globalization.CultureInfo.InvariantCulture), string.Join('\n', lines[..^1]), last[0]);
    }

    private static async Task<string> Exchange(SslStream tls, string request)
    {
        await tls.WriteAsync(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[16384];
        var text = new StringBuilder();
        while (true)
        {
            var read = await tls.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            if (read == 0)
            {
                return text.ToString();
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
            var all = text.ToString();
            var end = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0 && ResponseComplete(all, end))
            {
                return all;
            }
        }
    }

    private static bool ResponseComplete(string response, int headersEnd)
    {
        var head = response[..headersEnd];
        var body = response[(headersEnd + 4)..];
        var length = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return length is not null
            ? body.Length >= int.Parse(length["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)
            : body.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
    }
}
