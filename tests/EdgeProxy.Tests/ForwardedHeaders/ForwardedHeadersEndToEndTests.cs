using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tls;
using Xunit.Abstractions;
using static EdgeProxy.Tests.ForwardedHeaders.ForwardedCase;

namespace EdgeProxy.Tests.ForwardedHeaders;

/// <summary>
/// The X-Forwarded-For table through real sockets: clients bound to 127.0.0.x (and ::1), real TLS, a real
/// upstream that reports every header line it received. Trusted: 127.0.0.2, 127.0.0.3, 10.0.0.0/8, 2001:db8::/32.
/// </summary>
public sealed class ForwardedHeadersEndToEndTests(ForwardedHeadersEndToEndTests.Fixture fixture, ITestOutputHelper output)
    : IClassFixture<ForwardedHeadersEndToEndTests.Fixture>
{
    private const string Untrusted = "127.0.0.9";
    private const string Trusted = "127.0.0.2";

    private static readonly string[] SpoofableHeaders =
    [
        "X-Forwarded-For: 6.6.6.6", "X-Forwarded-Proto: http", "X-Forwarded-Host: evil.example", "X-Forwarded-Port: 1234",
        "X-Forwarded-Prefix: /evil", "X-Forwarded-Server: evil.example", "X-Forwarded-Ssl: off", "Forwarded: for=6.6.6.6;proto=http;host=evil.example",
        "X-Real-IP: 6.6.6.6", "True-Client-IP: 6.6.6.6", "X-Client-IP: 6.6.6.6", "CF-Connecting-IP: 6.6.6.6", "Fastly-Client-IP: 6.6.6.6",
        "X-Cluster-Client-IP: 6.6.6.6", "X_Forwarded_For: 6.6.6.6", "X_Forwarded_Proto: http", "X_Forwarded_Host: evil.example", "X_Real_IP: 6.6.6.6",
        "True_Client_IP: 6.6.6.6", "CF_Connecting_IP: 6.6.6.6", "X-Forwarded-Scheme: http", "X-Original-For: 6.6.6.6",
    ];

    public static readonly Dictionary<string, ForwardedCase> Cases = BuildCases().ToDictionary(c => c.Name);

    public static IEnumerable<object[]> CaseNames => Cases.Keys.Select(k => new object[] { k });

    private static IEnumerable<ForwardedCase> BuildCases()
    {
        foreach (var header in SpoofableHeaders)
        {
            var name = header[..header.IndexOf(':')];
            var expect = Upstream(Untrusted, Untrusted);
            if (!expect.ContainsKey(name))
            {
                expect[name] = null;
            }

            yield return new($"untrusted peer: {name} removed", Untrusted, [header], expect);
        }

        yield return new("untrusted peer: every spoofable header at once", Untrusted, SpoofableHeaders,
            Upstream(Untrusted, Untrusted).With("Forwarded", null).With("X-Forwarded-Prefix", null).With("True-Client-IP", null).With("X_Forwarded_For", null));
        yield return new("untrusted IPv6 peer ::1", "::1", ["X-Forwarded-For: 6.6.6.6"], Upstream("::1", "::1", host: "[::1]:{port}"));
        yield return new("no forwarded headers from untrusted peer", Untrusted, [], Upstream(Untrusted, Untrusted).With("X-Forwarded-Prefix", null));

        yield return new("trusted single hop", Trusted, ["X-Forwarded-For: 203.0.113.7"], Upstream($"203.0.113.7, {Trusted}", "203.0.113.7"));
        yield return new("trusted single hop with proto host port", Trusted,
            ["X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: http", "X-Forwarded-Host: app.example.com", "X-Forwarded-Port: 8080"],
            Upstream($"203.0.113.7, {Trusted}", "203.0.113.7", proto: "http", host: "app.example.com", port: "8080"));
        yield return new("trusted host port derived from host", Trusted,
            ["X-Forwarded-For: 203.0.113.7", "X-Forwarded-Host: app.example.com:9443"],
            Upstream($"203.0.113.7, {Trusted}", "203.0.113.7", host: "app.example.com:9443", port: "9443"));
        yield return new("trusted host without port: port from scheme", Trusted,
            ["X-Forwarded-For: 203.0.113.7", "X-Forwarded-Host: app.example.com"],
            Upstream($"203.0.113.7, {Trusted}", "203.0.113.7", host: "app.example.com", port: "443"));
        yield return new("trusted chain of two", Trusted, ["X-Forwarded-For: 203.0.113.7, 10.1.1.1"], Upstream($"203.0.113.7, 10.1.1.1, {Trusted}", "203.0.113.7"));
        yield return new("trusted chain of three", Trusted, ["X-Forwarded-For: 203.0.113.7, 10.2.2.2, 10.1.1.1"],
            Upstream($"203.0.113.7, 10.2.2.2, 10.1.1.1, {Trusted}", "203.0.113.7"));
        yield return new("second trusted peer 127.0.0.3", "127.0.0.3", ["X-Forwarded-For: 203.0.113.7"], Upstream("203.0.113.7, 127.0.0.3", "203.0.113.7"));
        yield return new("forged entry left of trusted chain never becomes client", Trusted, ["X-Forwarded-For: 1.2.3.4, 203.0.113.7, 10.1.1.1"],
            Upstream($"203.0.113.7, 10.1.1.1, {Trusted}", "203.0.113.7"));
        yield return new("forged trusted address left of client is not reached", Trusted, ["X-Forwarded-For: 10.9.9.9, 203.0.113.7"],
            Upstream($"203.0.113.7, {Trusted}", "203.0.113.7"));
        yield return new("all hops trusted: leftmost is client", Trusted, ["X-Forwarded-For: 10.2.2.2, 10.1.1.1"], Upstream($"10.2.2.2, 10.1.1.1, {Trusted}", "10.2.2.2"));
        yield return new("garbage rightmost: peer is client", Trusted, ["X-Forwarded-For: 203.0.113.7, garbage"], Upstream(Trusted, Trusted));
        yield return new("garbage in the middle: last good address", Trusted, ["X-Forwarded-For: 203.0.113.7, garbage, 10.1.1.1"], Upstream($"10.1.1.1, {Trusted}", "10.1.1.1"));
        yield return new("unknown entry is not an address", Trusted, ["X-Forwarded-For: unknown"], Upstream(Trusted, Trusted));
        yield return new("obfuscated entry is not an address", Trusted, ["X-Forwarded-For: _hidden"], Upstream(Trusted, Trusted));
        yield return new("entry with port is not trusted", Trusted, ["X-Forwarded-For: 10.1.1.1:4711"], Upstream(Trusted, Trusted));
        yield return new("bracketed IPv6 entry is not trusted", Trusted, ["X-Forwarded-For: [2001:db8::1]"], Upstream(Trusted, Trusted));
        yield return new("short IPv4 forms are not addresses", Trusted, ["X-Forwarded-For: 203.0.113.7, 0x7f.1"], Upstream(Trusted, Trusted));
        yield return new("empty entry stops the walk", Trusted, ["X-Forwarded-For: 203.0.113.7,,10.1.1.1"], Upstream($"10.1.1.1, {Trusted}", "10.1.1.1"));
        yield return new("IPv6 client behind trusted hop", Trusted, ["X-Forwarded-For: 2001:db9::7"], Upstream($"2001:db9::7, {Trusted}", "2001:db9::7"));
        yield return new("mixed IPv4 and IPv6 chain", Trusted, ["X-Forwarded-For: 198.51.100.1, 2001:db9::7, 2001:db8::1, 10.1.1.1"],
            Upstream($"2001:db9::7, 2001:db8::1, 10.1.1.1, {Trusted}", "2001:db9::7"));
        yield return new("IPv4-mapped IPv6 hop matches IPv4 network", Trusted, ["X-Forwarded-For: 203.0.113.7, ::ffff:10.1.1.1"],
            Upstream($"203.0.113.7, 10.1.1.1, {Trusted}", "203.0.113.7"));
        yield return new("proto taken at the client's hop", Trusted, ["X-Forwarded-For: 203.0.113.7, 10.1.1.1", "X-Forwarded-Proto: http, https"],
            Upstream($"203.0.113.7, 10.1.1.1, {Trusted}", "203.0.113.7", proto: "http"));
        yield return new("single proto from trusted peer used for deeper client", Trusted, ["X-Forwarded-For: 203.0.113.7, 10.1.1.1", "X-Forwarded-Proto: http"],
            Upstream($"203.0.113.7, 10.1.1.1, {Trusted}", "203.0.113.7", proto: "http"));
        yield return new("proto that is not http or https is ignored", Trusted, ["X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: javascript"],
            Upstream($"203.0.113.7, {Trusted}", "203.0.113.7"));
        yield return new("malformed forwarded host is ignored", Trusted, ["X-Forwarded-For: 203.0.113.7", "X-Forwarded-Host: evil host/x"],
            Upstream($"203.0.113.7, {Trusted}", "203.0.113.7"));
        yield return new("malformed forwarded port is ignored", Trusted, ["X-Forwarded-For: 203.0.113.7", "X-Forwarded-Port: 99999"],
            Upstream($"203.0.113.7, {Trusted}", "203.0.113.7"));
        yield return new("trusted peer without X-Forwarded-For keeps its proto", Trusted, ["X-Forwarded-Proto: http"], Upstream(Trusted, Trusted, proto: "http"));
        yield return new("trusted prefix forwarded", Trusted, ["X-Forwarded-For: 203.0.113.7", "X-Forwarded-Prefix: /outer/"],
            Upstream($"203.0.113.7, {Trusted}", "203.0.113.7").With("X-Forwarded-Prefix", "/outer"));
        yield return new("other identity headers from trusted peer are not passed on", Trusted,
            ["X-Forwarded-For: 203.0.113.7", "CF-Connecting-IP: 6.6.6.6", "True-Client-IP: 6.6.6.6", "Forwarded: for=6.6.6.6"],
            Upstream($"203.0.113.7, {Trusted}", "203.0.113.7").With("CF-Connecting-IP", null).With("True-Client-IP", null).With("Forwarded", null));
        yield return new("strip-prefix route sends X-Forwarded-Prefix", Untrusted, [],
            Upstream(Untrusted, Untrusted).With("X-Forwarded-Prefix", "/apps/my-app"), "/apps/my-app/page");
        yield return new("strip-prefix route under trusted outer prefix", Trusted, ["X-Forwarded-For: 203.0.113.7", "X-Forwarded-Prefix: /outer"],
            Upstream($"203.0.113.7, {Trusted}", "203.0.113.7").With("X-Forwarded-Prefix", "/outer/apps/my-app"), "/apps/my-app/page");
        yield return new("route X-Forwarded Append transform cannot reopen spoofing", Untrusted, ["X-Forwarded-For: 6.6.6.6"],
            Upstream(Untrusted, Untrusted), "/append/x");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Table(string name)
    {
        var row = Cases[name];
        var (echo, port, _) = await row.SendAsync(fixture.Proxy, fixture.Ipv6Port, output);
        foreach (var (header, expected) in row.Expect)
        {
            var value = expected?.Replace("{host}", "localhost:{port}").Replace("{port}", port.ToString());
            echo.Header(header).Should().Be(value, $"upstream header {header} in case '{name}'");
        }
    }

    [Fact]
    public void Table_HasAtLeastFortyCases() => Cases.Should().HaveCountGreaterThanOrEqualTo(40);

    public sealed class Fixture : IAsyncLifetime, IDisposable
    {
        private readonly TempDirectory _dir = new();

        public TestUpstream Upstream { get; private set; } = null!;

        public ProxyInstance Proxy { get; private set; } = null!;

        public int Ipv6Port => Proxy.Services.GetRequiredService<ListenerBinder>().Listeners.First(l => l.Name == "Https6").BoundPort;

        public async Task InitializeAsync()
        {
            Upstream = await HeaderEchoUpstream.StartAsync();
            Proxy = await ProxyInstance.StartAsync(ForwardedConfig.Create(_dir, Upstream.Url), null);
        }

        public async Task DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Upstream.DisposeAsync();
        }

        public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync
    }
}
