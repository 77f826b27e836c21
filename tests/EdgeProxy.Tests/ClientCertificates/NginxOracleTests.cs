using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ClientCertificates;

/// <summary>
/// nginx is the oracle for the nginx format: the same client certificate goes through a real nginx
/// (ssl_verify_client optional, the four proxy_set_header lines apps are configured with) and through
/// EdgeProxy to the same echo upstream, and the headers must be equal byte for byte.
/// </summary>
public sealed class NginxOracleTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Headers = ["X-SSL-Client-Cert", "X-SSL-Client-Verify", "X-SSL-Client-S-DN", "X-SSL-Client-I-DN"];
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Cases() => ["plain", "special-characters", "non-ascii", "expired", "other-ca", "no-client-auth-eku", "none"];

    [ToolTheory("nginx")]
    [MemberData(nameof(Cases))]
    public async Task NginxFormat_EqualsNginx_ByteForByte(string kind)
    {
        var pki = TestPki.Instance;
        var other = new TestPki("Oracle Other");
        var (certificate, issuer) = kind switch
        {
            "plain" => (pki.IssueClient("CN=Test Client, OU=Eng, O=Example, C=US"), pki),
            "special-characters" => (pki.IssueClient(SpecialSubject()), pki),
            "non-ascii" => (pki.IssueClient("CN=Zoë Ångström, O=Société Générale, C=FR"), pki),
            "expired" => (pki.IssueClient("CN=Expired", notBefore: DateTimeOffset.UtcNow.AddDays(-10), notAfter: DateTimeOffset.UtcNow.AddDays(-1)), pki),
            "no-client-auth-eku" => (pki.IssueClient("CN=Email Only", clientAuth: false), pki),
            "other-ca" => (other.IssueClient("CN=Stranger"), other),
            _ => ((X509Certificate2?)null, pki),
        };
        // nginx answers 400 to a failed certificate under "optional"; "optional_no_ca" lets the request
        // through with $ssl_client_verify = FAILED:<reason>, which is what EdgeProxy's AllowCertificate does.
        var invalid = kind is "expired" or "other-ca" or "no-client-auth-eku";
        var caRoot = pki.WriteCaBundle(_dir.Combine("ca"), includeIntermediate: false);
        var (serverCert, serverKey) = pki.WritePem(pki.IssueServer("localhost", ["localhost", "127.0.0.1"]), _dir.Combine("server"), "server");
        await using var upstream = await HeaderEchoUpstream.StartAsync();
        await using var nginx = await NginxProcess.StartAsync(_dir.Combine("nginx"), $$"""
            server {
              listen 127.0.0.1:{PORT} ssl;
              ssl_certificate {{serverCert}};
              ssl_certificate_key {{serverKey}};
              ssl_client_certificate {{caRoot}};
              ssl_verify_client {{(invalid ? "optional_no_ca" : "optional")}};
              ssl_verify_depth 3;
              location / {
                proxy_pass {{upstream.Url}};
                proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;
                proxy_set_header X-SSL-Client-Verify $ssl_client_verify;
                proxy_set_header X-SSL-Client-S-DN $ssl_client_s_dn;
                proxy_set_header X-SSL-Client-I-DN $ssl_client_i_dn;
              }
            }
            """);
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:ClientCertificateMode", "AllowCertificate")
            .Set("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { caRoot })
            .Set("EdgeProxy:ClientCertificates:Forward", "Nginx")
            .Route("all", "{**rest}", "echo").Cluster("echo", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        X509Certificate2Collection chain = certificate is null ? [] : [X509CertificateLoader.LoadCertificate(issuer.Intermediate.RawData)];

        async Task<Dictionary<string, string>> Through(int port)
        {
            using var client = TestClients.Https(port, clientCertificate: certificate, clientChain: chain);
            return await HeaderEchoUpstream.ReadHeadersAsync(await client.GetAsync("/oracle"));
        }

        var fromEdge = await Through(proxy.HttpsPort);
        if (kind is "expired" or "no-client-auth-eku")
        {
            // nginx refuses these with 400 whatever ssl_verify_client says; its error log names the
            // OpenSSL reason, which must be ours after FAILED:.
            using var client = TestClients.Https(nginx.Port, clientCertificate: certificate, clientChain: chain);
            ((int)(await client.GetAsync("/oracle")).StatusCode).Should().Be(400);
            var log = await File.ReadAllTextAsync(Path.Combine(nginx.Directory, "error.log"));
            var reason = System.Text.RegularExpressions.Regex.Match(log, @"client SSL certificate verify error: \(\d+:([^)]+)\)").Groups[1].Value;
            reason.Should().NotBeEmpty(log);
            fromEdge["X-SSL-Client-Verify"].Should().Be("FAILED:" + reason);
            return;
        }

        var fromNginx = await Through(nginx.Port);

        foreach (var header in Headers)
        {
            output.WriteLine($"{header}: nginx={fromNginx.GetValueOrDefault(header)} edge={fromEdge.GetValueOrDefault(header)}");
            fromEdge.GetValueOrDefault(header).Should().Be(fromNginx.GetValueOrDefault(header), header);
        }

        fromNginx.Should().ContainKey("X-SSL-Client-Verify", "the oracle itself must have produced the headers");
    }

    private static X500DistinguishedName SpecialSubject()
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCountryOrRegion("US");
        builder.AddOrganizationName("#1 Example");
        builder.AddOrganizationalUnitName("R&D; <Lab> \"West\"");
        builder.AddCommonName("Doe, John+Jr ");
        return builder.Build();
    }
}
