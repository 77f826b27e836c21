using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;
using static EdgeProxy.Tests.ForwardedHeaders.ForwardedCase;

namespace EdgeProxy.Tests.ForwardedHeaders;

/// <summary>
/// <c>Source: Forwarded</c> (the client chain is read from RFC 7239 <c>for=</c>) and <c>EmitForwarded: true</c>.
/// Trusted: 127.0.0.2, 10.0.0.0/8 and ::1.
/// </summary>
public sealed class Rfc7239EndToEndTests(Rfc7239EndToEndTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<Rfc7239EndToEndTests.Fixture>
{
    private const string Untrusted = "127.0.0.9";
    private const string Trusted = "127.0.0.2";

    public static readonly Dictionary<string, ForwardedCase> Cases = BuildCases().ToDictionary(c => c.Name);

    public static IEnumerable<object[]> CaseNames => Cases.Keys.Select(k => new object[] { k });

    private static IEnumerable<ForwardedCase> BuildCases()
    {
        yield return new("untrusted peer: Forwarded replaced", Untrusted, ["Forwarded: for=6.6.6.6;proto=http;host=evil.example"],
            Upstream(Untrusted, Untrusted).With("Forwarded", $"for={Untrusted};proto=https;host=\"{{host}}\""));
        yield return new("trusted: for proto host of one element", Trusted, ["Forwarded: for=203.0.113.7;proto=http;host=app.example.com"],
            Upstream($"203.0.113.7, {Trusted}", "203.0.113.7", proto: "http", host: "app.example.com", port: "80")
                .With("Forwarded", $"for=203.0.113.7;proto=http;host=app.example.com, for={Trusted}"));
        yield return new("trusted: quoted IPv6 with port", Trusted, ["Forwarded: for=\"[2001:db9::7]:4711\""],
            Upstream($"2001:db9::7, {Trusted}", "2001:db9::7").With("Forwarded", $"for=\"[2001:db9::7]\";proto=https;host=\"{{host}}\", for={Trusted}"));
        yield return new("trusted: IPv4 with port", Trusted, ["Forwarded: for=\"203.0.113.7:4711\""], Upstream($"203.0.113.7, {Trusted}", "203.0.113.7"));
        yield return new("trusted: forged element left of trusted chain", Trusted, ["Forwarded: for=1.2.3.4, for=203.0.113.7;proto=http, for=10.1.1.1;proto=https"],
            Upstream($"203.0.113.7, 10.1.1.1, {Trusted}", "203.0.113.7", proto: "http"));
        yield return new("trusted: unknown ends the walk", Trusted, ["Forwarded: for=203.0.113.7, for=unknown"], Upstream(Trusted, Trusted));
        yield return new("trusted: obfuscated node ends the walk", Trusted, ["Forwarded: for=203.0.113.7, for=\"_gazonk\", for=10.1.1.1"],
            Upstream($"10.1.1.1, {Trusted}", "10.1.1.1"));
        yield return new("trusted: broken quoting on the left cannot hide the client", Trusted, ["Forwarded: for=\"1.2.3.4, for=203.0.113.7"],
            Upstream($"203.0.113.7, {Trusted}", "203.0.113.7"));
        yield return new("trusted: unquoted IPv6 is malformed", Trusted, ["Forwarded: for=[2001:db9::7]"], Upstream(Trusted, Trusted));
        yield return new("trusted: duplicate for in one element is malformed", Trusted, ["Forwarded: for=203.0.113.7;for=198.51.100.1"], Upstream(Trusted, Trusted));
        yield return new("trusted: X-Forwarded-For ignored when Forwarded is the source", Trusted, ["X-Forwarded-For: 203.0.113.7"],
            Upstream(Trusted, Trusted).With("Forwarded", $"for={Trusted};proto=https;host=\"{{host}}\""));
        yield return new("trusted IPv6 peer ::1", "::1", ["Forwarded: for=203.0.113.7"],
            Upstream("203.0.113.7, ::1", "203.0.113.7", host: "[::1]:{port}").With("Forwarded", "for=203.0.113.7;proto=https;host=\"[::1]:{port}\", for=\"[::1]\""));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Table(string name)
    {
        var row = Cases[name];
        var (echo, port, v6) = await row.SendAsync(fixture.Proxy, fixture.Ipv6Port, output);
        foreach (var (header, expected) in row.Expect)
        {
            var host = v6 ? "[::1]:{port}" : "localhost:{port}";
            var value = expected?.Replace("{host}", host).Replace("{port}", port.ToString());
            echo.Header(header).Should().Be(value, $"upstream header {header} in case '{name}'");
        }
    }

    public sealed class Fixture : IAsyncLifetime, IDisposable
    {
        private readonly TempDirectory _dir = new();

        public TestUpstream Upstream { get; private set; } = null!;

        public ProxyInstance Proxy { get; private set; } = null!;

        public int Ipv6Port => Proxy.Services.GetRequiredService<EdgeProxy.Tls.ListenerBinder>().Listeners.First(l => l.Name == "Https6").BoundPort;

        public async Task InitializeAsync()
        {
            Upstream = await HeaderEchoUpstream.StartAsync();
            var config = ForwardedConfig.Create(_dir, Upstream.Url, "127.0.0.2", "10.0.0.0/8", "::1")
                .Set("EdgeProxy:TrustedProxies:Source", "Forwarded")
                .Set("EdgeProxy:TrustedProxies:EmitForwarded", true);
            Proxy = await ProxyInstance.StartAsync(config, null);
        }

        public async Task DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Upstream.DisposeAsync();
        }

        public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync
    }
}
