using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Tls;

public sealed class CertificateReloadTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestPki _pki = TestPki.Instance;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CertificateFileReplaced_NextHandshakeSeesNewCertificate_OpenConnectionUntouched()
    {
        var certs = _dir.Combine("certs");
        var (cert, key) = _pki.WritePem(_pki.IssueServer("first", ["localhost"]), certs, "site");
        await using var upstream = await TestUpstream.StartEchoAsync();
        await using var proxy = await ProxyInstance.StartAsync(
            new TestConfig(_dir.Path).WithCertificate(cert, key).Route("r", "{**any}", "c").Cluster("c", upstream.Url), output);
        using var established = proxy.CreateClient();
        (await established.GetStringAsync("/before")).Should().Be("upstream:/before");

        // certbot-style renewal: new files moved into place.
        var renewed = _pki.IssueServer("second", ["localhost"]);
        var (newCert, newKey) = _pki.WritePem(renewed, _dir.Combine("staging"), "site");
        File.Move(newKey, key, overwrite: true);
        File.Move(newCert, cert, overwrite: true);

        var subject = await Eventually.EqualsAsync(async () => (await TlsProbe.HandshakeAsync(proxy.HttpsPort, "localhost")).Leaf.Subject, "CN=second");
        subject.Should().Be("CN=second");
        (await established.GetStringAsync("/after")).Should().Be("upstream:/after");
        proxy.SeenServerCertificates.Should().ContainSingle("the open keep-alive connection was reused, not re-handshaken");
        await proxy.Logs.WaitForAsync(e => e.MessageTemplate.Text.Contains("reloaded") && e.RenderMessage().Contains("CN=second"));
    }

    [Fact]
    public async Task KubernetesSecretSymlinkSwap_IsPickedUp()
    {
        var volume = new KubeletVolume(_dir.Combine("secret"));
        volume.Publish(folder => _pki.WritePem(_pki.IssueServer("v1", ["localhost"]), folder, "tls"));
        await using var proxy = await ProxyInstance.StartAsync(
            new TestConfig(_dir.Path).WithCertificate(volume.File("tls.crt.pem"), volume.File("tls.key.pem")), output);
        (await TlsProbe.HandshakeAsync(proxy.HttpsPort, "localhost")).Leaf.Subject.Should().Be("CN=v1");

        volume.Publish(folder => _pki.WritePem(_pki.IssueServer("v2", ["localhost"]), folder, "tls"));

        var subject = await Eventually.EqualsAsync(async () => (await TlsProbe.HandshakeAsync(proxy.HttpsPort, "localhost")).Leaf.Subject, "CN=v2");
        subject.Should().Be("CN=v2");
    }

    [Fact]
    public async Task BrokenCertificateOnReload_KeepsServingOldOne_AndLogsWhy()
    {
        var certs = _dir.Combine("certs");
        var (cert, key) = _pki.WritePem(_pki.IssueServer("good", ["localhost"]), certs, "site");
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path).WithCertificate(cert, key), output);

        // A key that does not belong to the certificate: a half-finished renewal.
        var (_, otherKey) = _pki.WritePem(_pki.IssueServer("other", ["localhost"]), _dir.Combine("other"), "x");
        File.Copy(otherKey, key, overwrite: true);

        var failure = await proxy.Logs.WaitForAsync(e => e.MessageTemplate.Text.Contains("cannot be loaded"));
        failure.RenderMessage().Should().Contain("KeyPath").And.Contain("CN=good");
        (await TlsProbe.HandshakeAsync(proxy.HttpsPort, "localhost")).Leaf.Subject.Should().Be("CN=good");

        // The renewal completes: the matching pair is picked up.
        _pki.WritePem(_pki.IssueServer("fixed", ["localhost"]), certs, "site");
        (await Eventually.EqualsAsync(async () => (await TlsProbe.HandshakeAsync(proxy.HttpsPort, "localhost")).Leaf.Subject, "CN=fixed")).Should().Be("CN=fixed");
    }

    [Fact]
    public async Task PfxCertificate_IsServedWithItsChain()
    {
        var pfx = _pki.WritePfx(_pki.IssueServer("pfx", ["localhost"]), _dir.Combine("certs"), "site", "s3cret");
        var config = new TestConfig(_dir.Path)
            .WithoutCertificate()
            .Set("Kestrel:Endpoints:Https:Certificate:Path", pfx)
            .Set("Kestrel:Endpoints:Https:Certificate:Password", "s3cret");
        await using var proxy = await ProxyInstance.StartAsync(config, output);

        var result = await TlsProbe.HandshakeAsync(proxy.HttpsPort, "localhost");

        result.Leaf.Subject.Should().Be("CN=pfx");
        _pki.Validates(result.Leaf, result.Sent).Should().BeTrue("the intermediate inside the PFX is sent");
    }
}
