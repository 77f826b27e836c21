using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Paths;

/// <summary>
/// A real nginx behind EdgeProxy, reading paths the way lenient servers do: it merges slashes, decodes
/// <c>%2F</c> and resolves dot segments (nginx itself), and its admin location also takes <c>;params</c>, a
/// backslash for a slash and any letter case (what Tomcat, Spring and IIS do). EdgeProxy opens <c>/admin/{**rest}</c>
/// to 127.0.0.5 only, and its catch-all passes odd paths as sent (<c>"EdgeProxy.Path": "AsSent"</c>, the most
/// permissive setting). nginx must serve its admin location only to 127.0.0.5, whatever the spelling.
/// </summary>
public sealed class UpstreamPathInteropTests(UpstreamPathInteropTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<UpstreamPathInteropTests.Fixture>
{
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.9");
    private static readonly IPAddress Allowed = IPAddress.Parse("127.0.0.5");

    public static TheoryData<string> Spellings() =>
    [
        "/admin/x", "//admin/x", "///admin//x", "/.//admin/x", "/x/../admin/x", "/x/%2e%2e/admin/x", "/Admin/x", "/ADMIN/x", "/%61dmin/x",
        "/admin;x/y", "/ADMIN;jsessionid=1/x", "/admin;/x", "/;/admin/x", "/\\admin/x", "/%5Cadmin/x", "/admin\\x", "/x\\..\\admin\\x",
        "/admin%2Fx", "/admin%2fx", "/%2Fadmin/x", "/x/..%2Fadmin/x", "/x/..%2f..%2fadmin/x", "/public/..;/admin/x", "/x%252F..%252Fadmin/x",
        "/admin%09/x", "/admin%00/x", "/admin%0A/x",
    ];

    [ToolTheory("nginx")]
    [MemberData(nameof(Spellings))]
    public async Task LenientUpstream_ServesAdminOnlyToTheAllowedClient(string target)
    {
        foreach (var http2 in new[] { false, true })
        {
            var (status, body) = await SendAsync(target, Attacker, http2);
            output.WriteLine($"{target} over {(http2 ? "HTTP/2" : "HTTP/1.1")} from {Attacker}: {status} {body.Trim()}");

            body.Should().NotStartWith("ADMIN", $"{target} over {(http2 ? "HTTP/2" : "HTTP/1.1")} reached nginx's admin location from {Attacker}");
            status.Should().BeOneOf([400, 403], $"{target}: refused by EdgeProxy, not served by the catch-all: {body}");
        }
    }

    /// <summary>Without EdgeProxy in front, nginx serves its admin location for these spellings: the rows above test something.</summary>
    [ToolTheory("nginx")]
    [InlineData("//admin/x")]
    [InlineData("/Admin/x")]
    [InlineData("/%61dmin/x")]
    [InlineData("/admin;x/y")]
    [InlineData("/\\admin/x")]
    [InlineData("/%5Cadmin/x")]
    [InlineData("/admin%2Fx")]
    [InlineData("/x/..%2Fadmin/x")]
    public async Task LenientUpstream_Alone_ServesAdminForTheseSpellings(string target)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, fixture.NginxPort);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.Latin1.GetBytes($"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
        var response = await new StreamReader(stream, System.Text.Encoding.Latin1).ReadToEndAsync();

        response.Should().Contain("\r\n\r\nADMIN ", response);
    }

    [ToolTheory("nginx")]
    [InlineData("/admin/x", "/admin/x")]
    [InlineData("//admin//x", "/admin/x")]
    [InlineData("/Admin/x", "/Admin/x")]
    public async Task LenientUpstream_ServesAdminToTheAllowedClient(string target, string nginxSaw)
    {
        var (status, body) = await SendAsync(target, Allowed, http2: false);

        status.Should().Be(200, body);
        body.Should().Be($"ADMIN {nginxSaw}\n", "EdgeProxy sends the canonical path");
    }

    [ToolTheory("nginx")]
    [InlineData("/public;v=1/x", "/public;v=1/x")]
    [InlineData("/files/a%2Fb", "/files/a%2Fb")]
    [InlineData("/public//x", "/public/x")]
    public async Task LenientUpstream_GetsOtherPathsAsSent(string target, string nginxSaw)
    {
        foreach (var http2 in new[] { false, true })
        {
            var (status, body) = await SendAsync(target, Attacker, http2);

            status.Should().Be(200, body);
            body.Should().Be($"PUBLIC {nginxSaw}\n");
        }
    }

    private async Task<(int Status, string Body)> SendAsync(string target, IPAddress source, bool http2)
    {
        if (http2)
        {
            var response = await RawHttp2.SendAsync(fixture.Proxy.HttpsPort, RawHttp2.Get(target), source: source);
            return (response.Refused ? 400 : response.Status, response.Body);
        }

        var h1 = await RawHttp1.SendAsync(fixture.Proxy.HttpsPort, RawHttp1.Get(target), source);
        return (h1.Status, h1.Body);
    }

    public sealed class Fixture : IAsyncLifetime, IDisposable
    {
        private readonly TempDirectory _dir = new();
        private NginxProcess? _nginx;

        public ProxyInstance Proxy { get; private set; } = null!;

        public int NginxPort => _nginx!.Port;

        public async Task InitializeAsync()
        {
            if (NginxProcess.Binary is null)
            {
                return; // the tests are skipped (or fail under CI) by ToolTheory
            }

            // \x5C is a backslash for PCRE; nginx matches locations against the decoded, merged, dot-free $uri.
            _nginx = await NginxProcess.StartAsync(_dir.Combine("nginx"), """
                server {
                  listen 127.0.0.1:{PORT};
                  merge_slashes on;
                  default_type text/plain;
                  location ~* "^[/\x5C]+admin(;[^/\x5C]*)?([/\x5C]|$)" { return 200 "ADMIN $request_uri\n"; }
                  location / { return 200 "PUBLIC $request_uri\n"; }
                }
                """);
            var config = new TestConfig(_dir.Path)
                .Cluster("nginx", $"http://127.0.0.1:{_nginx.Port}/")
                .Route("admin", "/admin/{**rest}", "nginx", new Dictionary<string, string> { ["EdgeProxy.AllowFrom"] = Allowed.ToString() })
                .Route("rest", "{**all}", "nginx", new Dictionary<string, string> { ["EdgeProxy.Path"] = "AsSent" });
            Proxy = await ProxyInstance.StartAsync(config, null);
        }

        public async Task DisposeAsync()
        {
            if (_nginx is not null)
            {
                await Proxy.DisposeAsync();
                await _nginx.DisposeAsync();
            }
        }

        public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync
    }
}
