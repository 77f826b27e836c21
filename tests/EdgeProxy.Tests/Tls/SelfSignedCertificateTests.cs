using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Tls;

public sealed class SelfSignedCertificateTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task NoCertificate_GeneratesOnce_ReusesOnNextStart_AndWarnsWithFingerprint()
    {
        var config = new TestConfig(_dir.Path).WithoutCertificate().Set("EdgeProxy:Certificates:SelfSigned:Hosts", new[] { "edge.test" });

        string firstFingerprint;
        await using (var first = await ProxyInstance.StartAsync(config, output))
        {
            var presented = (await TlsProbe.HandshakeAsync(first.HttpsPort, "localhost")).Leaf;
            firstFingerprint = presented.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
            var warning = first.Logs.Events.Single(e => e.MessageTemplate.Text.Contains("self-signed"));
            warning.Level.Should().Be(Serilog.Events.LogEventLevel.Warning);
            warning.RenderMessage().Should().Contain("Generated").And.Contain(firstFingerprint);

            var san = presented.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
            san.EnumerateDnsNames().Should().BeEquivalentTo("localhost", "edge.test");
            san.EnumerateIPAddresses().Select(ip => ip.ToString()).Should().BeEquivalentTo("127.0.0.1", "::1");
        }

        var keyFile = Directory.GetFiles(Path.Combine(_dir.Path, "data", "certs"), "*.key.pem").Single();
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(keyFile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await using var second = await ProxyInstance.StartAsync(config, output);
        var again = (await TlsProbe.HandshakeAsync(second.HttpsPort, "localhost")).Leaf;
        again.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256).Should().Be(firstFingerprint);
        second.Logs.Events.Single(e => e.MessageTemplate.Text.Contains("self-signed")).RenderMessage().Should().Contain("Reusing");
    }

    [Fact]
    public async Task NewHostName_RegeneratesTheCertificate()
    {
        var config = new TestConfig(_dir.Path).WithoutCertificate();
        await using (await ProxyInstance.StartAsync(config, output))
        {
        }

        config.Set("EdgeProxy:Certificates:SelfSigned:Hosts", new[] { "added.test" });
        await using var proxy = await ProxyInstance.StartAsync(config, output);

        var leaf = (await TlsProbe.HandshakeAsync(proxy.HttpsPort, "added.test")).Leaf;
        leaf.MatchesHostname("added.test").Should().BeTrue();
    }
}
