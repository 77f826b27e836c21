using System.Net.Security;
using System.Security.Cryptography;
using System.Text;
using EdgeProxy.Acme;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Acme;

/// <summary>TLS-ALPN-01 (RFC 8737): issuance through pebble on the https listener, and normal handshakes untouched.</summary>
public sealed class AcmeTlsAlpnTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task TlsAlpn01Only_TwoHostsGetCertificates_WithNoHttpListenerInvolved()
    {
        var httpsPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, httpPort: PebbleServer.FreePort(), tlsPort: httpsPort);
        var config = AcmeTestSetup.Config(_dir.Path, pebble, PebbleServer.FreePort(), "x.edgeproxy.test", "y.edgeproxy.test")
            .Set("Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{httpsPort}")
            .Set("EdgeProxy:Certificates:Acme:Challenges", new[] { "TlsAlpn01" });
        await using var proxy = await ProxyInstance.StartAsync(config, output);

        foreach (var host in new[] { "x.edgeproxy.test", "y.edgeproxy.test" })
        {
            var served = await AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, host);
            served.Leaf.MatchesHostname(host).Should().BeTrue();
            served.Leaf.Issuer.Should().Contain("Pebble");
        }

        proxy.Logs.Events.Should().NotContain(e => e.RenderMessage().Contains("/.well-known/acme-challenge/"), "no HTTP-01 request was made");
    }

    [Fact]
    public async Task PendingChallenge_AcmeTls1GetsChallengeCertificate_H2HandshakeForSameNameGetsNormalOne()
    {
        var config = new TestConfig(_dir.Path)
            .Set("EdgeProxy:Certificates:Acme:Enabled", true)
            .Set("EdgeProxy:Certificates:Acme:AcceptTermsOfService", true)
            .Set("EdgeProxy:Certificates:Acme:DirectoryUrl", "https://127.0.0.1:1/dir") // never reached in time to matter
            .Set("EdgeProxy:Certificates:Acme:Hosts", new[] { "z.edgeproxy.test" });
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        proxy.Services.GetRequiredService<TlsAlpnChallenges>().Add("z.edgeproxy.test", "token.thumbprint");

        var challenge = await TlsProbe.HandshakeAsync(proxy.HttpsPort, "z.edgeproxy.test", alpn: [new SslApplicationProtocol("acme-tls/1")]);
        var normal = await TlsProbe.HandshakeAsync(proxy.HttpsPort, "z.edgeproxy.test", alpn: [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]);

        challenge.Alpn.ToString().Should().Be("acme-tls/1");
        var extension = challenge.Leaf.Extensions["1.3.6.1.5.5.7.1.31"];
        extension!.Critical.Should().BeTrue();
        extension.RawData.Should().Equal([0x04, 0x20, .. SHA256.HashData(Encoding.ASCII.GetBytes("token.thumbprint"))]);
        normal.Alpn.Should().Be(SslApplicationProtocol.Http2);
        normal.Leaf.Thumbprint.Should().NotBe(challenge.Leaf.Thumbprint);
        normal.Leaf.Extensions["1.3.6.1.5.5.7.1.31"].Should().BeNull();
    }

    public void Dispose() => _dir.Dispose();
}
