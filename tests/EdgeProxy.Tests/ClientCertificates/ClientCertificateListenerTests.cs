using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ClientCertificates;

public sealed class ClientCertificateListenerTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestPki _pki = TestPki.Instance;

    public void Dispose() => _dir.Dispose();

    private HttpClient Client(ProxyInstance proxy, X509Certificate2? certificate, TestPki? issuer = null) =>
        TestClients.Https(proxy.HttpsPort, http2: true, clientCertificate: certificate, clientChain: certificate is null ? null : [X509CertificateLoader.LoadCertificate((issuer ?? _pki).Intermediate.RawData)]);

    [Fact]
    public async Task RequireCertificate_RefusesTheHandshake_WithoutAValidCertificate()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:ClientCertificateMode", "RequireCertificate")
            .Set("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { _pki.WriteCaBundle(_dir.Combine("ca")) })
            .Route("all", "{**rest}", "app").Cluster("app", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        var other = new TestPki("Refused CA");

        using (var valid = Client(proxy, _pki.IssueClient("CN=ok")))
        {
            (await valid.GetStringAsync("/x")).Should().Be("upstream:/x");
        }

        foreach (var (certificate, issuer) in new (X509Certificate2?, TestPki?)[] { (null, null), (other.IssueClient("CN=stranger"), other) })
        {
            using var client = Client(proxy, certificate, issuer);
            var call = () => client.GetAsync("/x");
            await call.Should().ThrowAsync<HttpRequestException>();
        }
    }

    [Fact]
    public async Task AspNetCertificateForwarding_ReadsTheBase64DerFormat()
    {
        var certificate = _pki.IssueClient("CN=forwarded.example");
        await using var upstream = await TestUpstream.StartAsync(app =>
        {
            app.UseCertificateForwarding(); // ASP.NET Core's own reader of X-Client-Cert
            app.MapFallback(context => context.Response.WriteAsync(context.Connection.ClientCertificate?.Thumbprint ?? "none"));
        }, services => services.AddCertificateForwarding(_ => { }));
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:ClientCertificateMode", "AllowCertificate")
            .Set("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { _pki.WriteCaBundle(_dir.Combine("ca")) })
            .Set("EdgeProxy:ClientCertificates:Endpoints:Https:Forward", "Base64Der")
            .Route("all", "{**rest}", "app").Cluster("app", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = Client(proxy, certificate);

        (await client.GetStringAsync("/who")).Should().Be(certificate.Thumbprint);
    }

    [Theory]
    [InlineData("Kestrel:Endpoints:Https:ClientCertificateMode", "AllowCertificate", "FAIL EdgeProxy:ClientCertificates:TrustedCaFiles: required: Kestrel:Endpoints:Https:ClientCertificateMode asks for client certificates")]
    [InlineData("Kestrel:Endpoints:Https:ClientCertificateMode", "DelayCertificate", "FAIL Kestrel:Endpoints:Https:ClientCertificateMode: DelayCertificate needs TLS renegotiation")]
    [InlineData("EdgeProxy:ClientCertificates:Forward", "Pem", "FAIL EdgeProxy:ClientCertificates:Forward: 'Pem' is not one of None, Xfcc, Nginx, Rfc9440, Base64Der, Traefik")]
    [InlineData("EdgeProxy:ClientCertificates:TrustedCaFiles:0", "/nonexistent/ca.pem", "FAIL EdgeProxy:ClientCertificates:TrustedCaFiles:0: file '/nonexistent/ca.pem' not found")]
    [InlineData("ReverseProxy:Routes:r:Metadata:EdgeProxy.ClientCert", "Mandatory", "FAIL ReverseProxy:Routes:r:Metadata:EdgeProxy.ClientCert: 'Mandatory' is not one of Optional, Required, Ignore")]
    [InlineData("ReverseProxy:Routes:r:Metadata:EdgeProxy.ClientCert", "Required", "WARN Kestrel:Endpoints: a route requires a client certificate but no endpoint sets ClientCertificateMode")]
    [InlineData("EdgeProxy:ClientCertificates:Endpoints:Nope:Forward", "Xfcc", "FAIL EdgeProxy:ClientCertificates:Endpoints:Nope: no endpoint named 'Nope'")]
    [InlineData("EdgeProxy:ClientCertificates:HeaderNames:X-SSL-Client-Cert", "Bad Header", "FAIL EdgeProxy:ClientCertificates:HeaderNames:X-SSL-Client-Cert: 'Bad Header' is not a valid header name")]
    public void Check_ReportsClientCertificateProblems_NamingTheKey(string key, string value, string expected)
    {
        var config = new TestConfig(_dir.Path).Route("r", "/r", "c").Cluster("c", "http://127.0.0.1:1/").Set(key, value);
        using var writer = new StringWriter();

        CheckCommand.Run(CommandLine.Parse(["check", "--config", config.Write()]), _dir.Path, writer, TextWriter.Null);

        writer.ToString().Should().Contain(expected);
    }

    [Fact]
    public async Task HeaderNames_CanBeRenamed_AndTheNewNameIsStrippedInbound()
    {
        await using var upstream = await HeaderEchoUpstream.StartAsync();
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:ClientCertificateMode", "AllowCertificate")
            .Set("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { _pki.WriteCaBundle(_dir.Combine("ca")) })
            .Set("EdgeProxy:ClientCertificates:Forward", "Base64Der")
            .Set("EdgeProxy:ClientCertificates:HeaderNames:X-Client-Cert", "SSL-Client-Certificate-Der")
            .Route("all", "{**rest}", "app").Cluster("app", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        var certificate = _pki.IssueClient("CN=renamed");

        using var withCert = Client(proxy, certificate);
        (await HeaderEchoUpstream.ReadHeadersAsync(await withCert.GetAsync("/")))["SSL-Client-Certificate-Der"].Should().Be(Convert.ToBase64String(certificate.RawData));

        using var spoofer = Client(proxy, null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.TryAddWithoutValidation("SSL_Client_Certificate_Der", "FORGED");
        (await HeaderEchoUpstream.ReadHeadersAsync(await spoofer.SendAsync(request))).Values.Should().NotContain("FORGED");
    }
}
