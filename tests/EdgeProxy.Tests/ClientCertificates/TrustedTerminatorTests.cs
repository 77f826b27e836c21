using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ClientCertificates;

/// <summary>Behind a load balancer that terminated mTLS: its certificate header is accepted only from trusted peers, only when valid.</summary>
public sealed class TrustedTerminatorTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly IPAddress Trusted = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Untrusted = IPAddress.Parse("127.0.0.9");
    private readonly TempDirectory _dir = new();
    private readonly TestPki _pki = TestPki.Instance;
    private TestUpstream _upstream = null!;
    private ProxyInstance _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HeaderEchoUpstream.StartAsync();
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:ClientCertificateMode", "AllowCertificate")
            .Set("EdgeProxy:TrustedProxies:Networks", new[] { "127.0.0.2" })
            .Set("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { _pki.WriteCaBundle(_dir.Combine("ca")) })
            .Set("EdgeProxy:ClientCertificates:AcceptFromTrustedProxies", "Nginx")
            .Set("EdgeProxy:ClientCertificates:Forward", "Xfcc")
            .Route("all", "{**rest}", "echo").Cluster("echo", _upstream.Url);
        _proxy = await ProxyInstance.StartAsync(config, output);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    private async Task<string?> XfccSeenUpstream(IPAddress source, X509Certificate2 forwarded, X509Certificate2? direct = null)
    {
        using var client = SourceBoundClient.Create(source, IPAddress.Loopback, _proxy.HttpsPort, clientCertificate: direct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("X-SSL-Client-Cert", Uri.EscapeDataString(forwarded.ExportCertificatePem() + "\n"));
        request.Headers.TryAddWithoutValidation("X-SSL-Client-Verify", "SUCCESS");
        var headers = await HeaderEchoUpstream.ReadHeadersAsync(await client.SendAsync(request));
        headers.Should().NotContainKey("X-SSL-Client-Cert", "the inbound header itself never passes");
        return headers.GetValueOrDefault("X-Forwarded-Client-Cert");
    }

    private static string Hash(X509Certificate2 certificate) => "Hash=" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(certificate.RawData));

    [Fact]
    public async Task TrustedPeer_ValidCertificate_IsReEmittedInTheRoutesFormat()
    {
        var certificate = _pki.IssueClient("CN=behind-the-lb");

        (await XfccSeenUpstream(Trusted, certificate)).Should().StartWith(Hash(certificate));
    }

    [Fact]
    public async Task UntrustedPeer_ForwardedCertificate_IsIgnored()
    {
        (await XfccSeenUpstream(Untrusted, _pki.IssueClient("CN=forged"))).Should().BeNull();
    }

    [Fact]
    public async Task TrustedPeer_CertificateFromAnotherCa_IsNotAccepted()
    {
        (await XfccSeenUpstream(Trusted, new TestPki("Rogue CA").IssueClient("CN=rogue"))).Should().BeNull();
    }

    [Fact]
    public async Task DirectCertificate_TakesPrecedence_OverTheForwardedOne()
    {
        var direct = _pki.IssueClient("CN=direct");

        (await XfccSeenUpstream(Trusted, _pki.IssueClient("CN=forwarded"), direct)).Should().StartWith(Hash(direct));
    }

    [Fact]
    public async Task XfccAppendForward_KeepsTheTrustedHopsElement_AndAppendsOurs()
    {
        await using var upstream = await HeaderEchoUpstream.StartAsync();
        using var dir = new TempDirectory();
        var config = new TestConfig(dir.Path)
            .Set("Kestrel:Endpoints:Https:ClientCertificateMode", "AllowCertificate")
            .Set("EdgeProxy:TrustedProxies:Networks", new[] { "127.0.0.2" })
            .Set("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { _pki.WriteCaBundle(dir.Combine("ca")) })
            .Set("EdgeProxy:ClientCertificates:Forward", "Xfcc")
            .Set("EdgeProxy:ClientCertificates:XfccMode", "AppendForward")
            .Route("all", "{**rest}", "echo").Cluster("echo", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        var direct = _pki.IssueClient("CN=hop2");
        const string earlier = "By=spiffe://edge-1;Hash=abc;Subject=\"CN=hop1,O=Example\"";

        async Task<string?> Send(IPAddress source)
        {
            using var client = SourceBoundClient.Create(source, IPAddress.Loopback, proxy.HttpsPort, clientCertificate: direct);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.TryAddWithoutValidation("X-Forwarded-Client-Cert", earlier);
            return (await HeaderEchoUpstream.ReadHeadersAsync(await client.SendAsync(request))).GetValueOrDefault("X-Forwarded-Client-Cert");
        }

        var fromTrusted = await Send(Trusted);
        var elements = XfccParser.Parse(fromTrusted!);
        elements.Should().HaveCount(2);
        elements[0]["Subject"].Should().Equal("CN=hop1,O=Example");
        elements[1]["Hash"].Single().Should().Be(Hash(direct)["Hash=".Length..]);

        (await Send(Untrusted)).Should().StartWith(Hash(direct), "an untrusted peer's XFCC is dropped, not extended");
    }
}
