using System.Net.Security;
using System.Security.Cryptography;
using System.Text;
using EdgeProxy.Acme;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Acme;

/// <summary>Two replicas sharing one storage folder, as on a Kubernetes volume.</summary>
public sealed class AcmeSharedStorageTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task TwoReplicasSharingStorage_PlaceExactlyOneOrderPerHost_AndServeTheSameCertificate()
    {
        // pebble reaches only replica A's http listener: when B holds the lock, A answers B's challenge from storage.
        var httpPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, httpPort);
        var shared = _dir.Combine("shared-acme");
        Directory.CreateDirectory(_dir.Combine("a"));
        Directory.CreateDirectory(_dir.Combine("b"));
        var a = AcmeTestSetup.Config(_dir.Combine("a"), pebble, httpPort, "one.edgeproxy.test", "two.edgeproxy.test").Set("EdgeProxy:Certificates:Acme:StoragePath", shared);
        var b = AcmeTestSetup.Config(_dir.Combine("b"), pebble, PebbleServer.FreePort(), "one.edgeproxy.test", "two.edgeproxy.test").Set("EdgeProxy:Certificates:Acme:StoragePath", shared);

        var started = await Task.WhenAll(ProxyInstance.StartAsync(a, output), ProxyInstance.StartAsync(b, output));
        await using var replicaA = started[0];
        await using var replicaB = started[1];

        foreach (var host in new[] { "one.edgeproxy.test", "two.edgeproxy.test" })
        {
            var fromA = await AcmeTestSetup.WaitForAcmeCertificateAsync(replicaA, host);
            var fromB = await AcmeTestSetup.WaitForAcmeCertificateAsync(replicaB, host);
            fromB.Leaf.Thumbprint.Should().Be(fromA.Leaf.Thumbprint, "the replica that did not order serves the one in storage");
            replicaA.Logs.Events.Concat(replicaB.Logs.Events)
                .Count(e => e.EventId() == EventIds.AcmeOrderCreated && e.RenderMessage().Contains(host)).Should().Be(1);
        }
    }

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task TlsAlpn01_OrderPlacedByOneReplica_IsValidatedOnTheOther()
    {
        // pebble validates TLS-ALPN-01 on replica A's https port only; B's name can pass only if A answers from storage.
        var tlsPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, httpPort: PebbleServer.FreePort(), tlsPort: tlsPort);
        var shared = _dir.Combine("shared-acme");
        Directory.CreateDirectory(_dir.Combine("a"));
        Directory.CreateDirectory(_dir.Combine("b"));
        var a = AcmeTestSetup.Config(_dir.Combine("a"), pebble, PebbleServer.FreePort(), "a.edgeproxy.test")
            .Set("Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{tlsPort}")
            .Set("EdgeProxy:Certificates:Acme:Challenges", new[] { "TlsAlpn01" })
            .Set("EdgeProxy:Certificates:Acme:StoragePath", shared);
        var b = AcmeTestSetup.Config(_dir.Combine("b"), pebble, PebbleServer.FreePort(), "b.edgeproxy.test")
            .Set("EdgeProxy:Certificates:Acme:Challenges", new[] { "TlsAlpn01" })
            .Set("EdgeProxy:Certificates:Acme:StoragePath", shared);
        await using var replicaA = await ProxyInstance.StartAsync(a, output);
        await using var replicaB = await ProxyInstance.StartAsync(b, output);

        var served = await AcmeTestSetup.WaitForAcmeCertificateAsync(replicaB, "b.edgeproxy.test");

        served.Leaf.Issuer.Should().Contain("Pebble");
        served.Leaf.MatchesHostname("b.edgeproxy.test").Should().BeTrue();
        replicaB.Logs.Events.Should().ContainSingle(e => e.EventId() == EventIds.AcmeOrderCreated && e.RenderMessage().Contains("b.edgeproxy.test"));
        replicaA.Logs.Events.Should().NotContain(e => e.EventId() == EventIds.AcmeOrderCreated && e.RenderMessage().Contains("b.edgeproxy.test"), "A only answered the validation");
        Directory.EnumerateFiles(Path.Combine(shared, "tls-alpn-challenges")).Should().BeEmpty("the answer is removed once the authorization is decided");
    }

    [Fact]
    public async Task TlsAlpn01_AnswerStoredByOneReplica_IsServedByTheOther_UntilRemoved()
    {
        var shared = _dir.Combine("shared-acme");
        TestConfig Replica(string name)
        {
            Directory.CreateDirectory(_dir.Combine(name));
            return new TestConfig(_dir.Combine(name))
                .Set("EdgeProxy:Certificates:Acme:Enabled", true)
                .Set("EdgeProxy:Certificates:Acme:AcceptTermsOfService", true)
                .Set("EdgeProxy:Certificates:Acme:DirectoryUrl", $"https://127.0.0.1:{TestClients.FreePort()}/dir") // no CA: only the challenge matters
                .Set("EdgeProxy:Certificates:Acme:Challenges", new[] { "TlsAlpn01" })
                .Set("EdgeProxy:Certificates:Acme:StoragePath", shared)
                .Set("EdgeProxy:Certificates:Acme:Hosts", new[] { "z.edgeproxy.test" });
        }

        await using var ordering = await ProxyInstance.StartAsync(Replica("a"), output);
        await using var other = await ProxyInstance.StartAsync(Replica("b"), output);
        var acmeTls1 = new List<SslApplicationProtocol> { new("acme-tls/1") };
        (await TlsProbe.HandshakeAsync(other.HttpsPort, "z.edgeproxy.test", alpn: [SslApplicationProtocol.Http11])).Leaf.Extensions["1.3.6.1.5.5.7.1.31"].Should().BeNull();

        ordering.Services.GetRequiredService<TlsAlpnChallenges>().Add("z.edgeproxy.test", "token.thumbprint");
        var challenge = await TlsProbe.HandshakeAsync(other.HttpsPort, "z.edgeproxy.test", alpn: acmeTls1);
        var normal = await TlsProbe.HandshakeAsync(other.HttpsPort, "z.edgeproxy.test", alpn: [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]);

        challenge.Alpn.ToString().Should().Be("acme-tls/1");
        challenge.Leaf.MatchesHostname("z.edgeproxy.test").Should().BeTrue();
        var extension = challenge.Leaf.Extensions["1.3.6.1.5.5.7.1.31"];
        extension!.Critical.Should().BeTrue();
        extension.RawData.Should().Equal([0x04, 0x20, .. SHA256.HashData(Encoding.ASCII.GetBytes("token.thumbprint"))]);
        normal.Alpn.Should().Be(SslApplicationProtocol.Http2, "normal handshakes for the same name are untouched on the replica answering");
        normal.Leaf.Extensions["1.3.6.1.5.5.7.1.31"].Should().BeNull();
        (await TlsProbe.HandshakeAsync(other.HttpsPort, "z.edgeproxy.test", alpn: acmeTls1)).Leaf.Thumbprint.Should().Be(challenge.Leaf.Thumbprint, "built once per answer");

        ordering.Services.GetRequiredService<TlsAlpnChallenges>().Remove("z.edgeproxy.test");
        (await ChallengeExtensionAsync(other.HttpsPort, acmeTls1)).Should().BeNull("a removed answer is no longer served by any replica");
    }

    /// <summary>The acmeIdentifier extension an acme-tls/1 handshake gets, or null (also when no ALPN is agreed and the handshake fails).</summary>
    private static async Task<byte[]?> ChallengeExtensionAsync(int port, List<SslApplicationProtocol> alpn)
    {
        try
        {
            return (await TlsProbe.HandshakeAsync(port, "z.edgeproxy.test", alpn: alpn)).Leaf.Extensions["1.3.6.1.5.5.7.1.31"]?.RawData;
        }
        catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException)
        {
            return null;
        }
    }

    public void Dispose() => _dir.Dispose();
}
