using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Tests.ClientCertificates.Revocation;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ClientCertificates;

/// <summary>Revocation through real TLS: a CRL file replaced while running refuses a newly revoked certificate on its next connection.</summary>
public sealed class RevocationEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestPki _pki = TestPki.Instance;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CrlReplacedWhileRunning_NewlyRevokedCertificateIsRefused_OthersStillPass()
    {
        var alice = _pki.IssueClient("CN=alice");
        var bob = _pki.IssueClient("CN=bob");
        var crl = _dir.Combine("crl", "intermediate.crl");
        Directory.CreateDirectory(Path.GetDirectoryName(crl)!);
        await File.WriteAllBytesAsync(crl, RevocationPki.BuildCrl(_pki.Intermediate, [], crlNumber: 1));
        await using var upstream = await HeaderEchoUpstream.StartAsync();
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:ClientCertificateMode", "AllowCertificate")
            .Set("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { _pki.WriteCaBundle(_dir.Combine("ca")) })
            .Set("EdgeProxy:ClientCertificates:Revocation", "Crl")
            .Set("EdgeProxy:ClientCertificates:CrlFiles", new[] { crl })
            .Set("EdgeProxy:ClientCertificates:CrlReloadInterval", "200ms")
            .Set("EdgeProxy:ClientCertificates:Forward", "Nginx")
            .Route("secure", "{**rest}", "echo", new Dictionary<string, string> { ["EdgeProxy.ClientCert"] = "Required" })
            .Cluster("echo", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);

        async Task<(HttpStatusCode Status, string Body)> Connect(X509Certificate2 certificate)
        {
            using var client = TestClients.Https(proxy.HttpsPort, http2: true, clientCertificate: certificate); // a new connection each time
            using var response = await client.GetAsync("/");
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        (await Connect(alice)).Status.Should().Be(HttpStatusCode.OK);
        (await Connect(bob)).Status.Should().Be(HttpStatusCode.OK);

        var temp = crl + ".new";
        await File.WriteAllBytesAsync(temp, RevocationPki.BuildCrl(_pki.Intermediate, [alice], crlNumber: 2));
        File.Move(temp, crl, overwrite: true);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        var result = await Connect(alice);
        while (result.Status == HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            result = await Connect(alice);
        }

        result.Status.Should().Be(HttpStatusCode.Forbidden);
        result.Body.Should().Be("403 Forbidden: route 'secure' requires a valid client certificate; the client certificate was rejected: certificate revoked\n");
        (await Connect(bob)).Status.Should().Be(HttpStatusCode.OK, "only alice was revoked");
    }
}
