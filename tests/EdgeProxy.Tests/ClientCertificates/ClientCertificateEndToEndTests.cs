using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.ClientCertificates;
using EdgeProxy.RequestHeaders;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.ClientCertificates;

public sealed class ClientCertificateFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();

    public TestPki Pki => TestPki.Instance;

    public TestPki OtherCa { get; } = new("Other CA");

    public ProxyInstance Proxy { get; private set; } = null!;

    public TestUpstream Upstream { get; private set; } = null!;

    public X509Certificate2 Valid { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Valid = Pki.IssueClient("CN=Test Client, OU=Eng, O=Example, C=US", dnsNames: ["client.example.com"], uris: ["spiffe://client"]);
        Upstream = await HeaderEchoUpstream.StartAsync();
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:ClientCertificateMode", "AllowCertificate")
            .Set("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { Pki.WriteCaBundle(_dir.Combine("ca"), includeIntermediate: false) })
            .Set("EdgeProxy:ClientCertificates:Forward", "Nginx");
        foreach (var format in Enum.GetNames<ForwardFormat>())
        {
            config.Route(format.ToLowerInvariant(), $"/{format.ToLowerInvariant()}/{{**rest}}", "echo", new Dictionary<string, string> { ["EdgeProxy.ClientCert.Forward"] = format });
        }

        config.Route("required", "/required/{**rest}", "echo", new Dictionary<string, string> { ["EdgeProxy.ClientCert"] = "Required" })
            .Route("ignore", "/ignore/{**rest}", "echo", new Dictionary<string, string> { ["EdgeProxy.ClientCert"] = "Ignore" })
            .Route("default", "/default/{**rest}", "echo")
            .Cluster("echo", Upstream.Url);
        Proxy = await ProxyInstance.StartAsync(config, null);
    }

    /// <summary>A client presenting <paramref name="certificate"/> with the intermediate it was issued by.</summary>
    public HttpClient Client(X509Certificate2? certificate, bool http2 = false, TestPki? issuer = null) =>
        TestClients.Https(Proxy.HttpsPort, http2: http2, clientCertificate: certificate,
            clientChain: certificate is null ? null : [X509CertificateLoader.LoadCertificate((issuer ?? Pki).Intermediate.RawData)]);

    public async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync
}

public sealed class ClientCertificateEndToEndTests(ClientCertificateFixture fixture) : IClassFixture<ClientCertificateFixture>
{
    private async Task<Dictionary<string, string>> Headers(X509Certificate2? certificate, string path, bool http2 = false, TestPki? issuer = null)
    {
        using var client = fixture.Client(certificate, http2, issuer);
        return await HeaderEchoUpstream.ReadHeadersAsync(await client.GetAsync(path));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Nginx_ValidCertificate_VerifySuccess_EscapedPem_Rfc2253Names(bool http2)
    {
        var headers = await Headers(fixture.Valid, "/nginx/x", http2);

        headers["X-SSL-Client-Verify"].Should().Be("SUCCESS");
        headers["X-SSL-Client-S-DN"].Should().Be("CN=Test Client,OU=Eng,O=Example,C=US");
        headers["X-SSL-Client-I-DN"].Should().Be("CN=EdgeProxy Test Intermediate");
        headers["X-SSL-Client-Cert"].Should().StartWith("-----BEGIN%20CERTIFICATE-----%0AMII");
        Uri.UnescapeDataString(headers["X-SSL-Client-Cert"]).Should().Be(fixture.Valid.ExportCertificatePem() + "\n");
    }

    [Fact]
    public async Task Xfcc_ParsesBack_WithAnIndependentParser()
    {
        var headers = await Headers(fixture.Valid, "/xfcc/x");

        var elements = XfccParser.Parse(headers["X-Forwarded-Client-Cert"]);
        var element = elements.Should().ContainSingle().Subject;
        element["Hash"].Should().ContainSingle().Which.Should().Be(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(fixture.Valid.RawData)));
        element["Subject"].Should().Equal("CN=Test Client,OU=Eng,O=Example,C=US");
        element["URI"].Should().Equal("spiffe://client/"); // as .NET encoded it in the SAN
        element["DNS"].Should().Equal("client.example.com");
        X509Certificate2.CreateFromPem(Uri.UnescapeDataString(element["Cert"].Single())).RawData.Should().Equal(fixture.Valid.RawData);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(Uri.UnescapeDataString(element["Chain"].Single()));
        chain.Select(c => c.Subject).Should().Equal("CN=Test Client, OU=Eng, O=Example, C=US", "CN=EdgeProxy Test Intermediate");
    }

    [Fact]
    public async Task Rfc9440_ClientCertAndChain_AreByteSequences()
    {
        var headers = await Headers(fixture.Valid, "/rfc9440/x", http2: true);

        headers["Client-Cert"].Should().Be(":" + Convert.ToBase64String(fixture.Valid.RawData) + ":");
        headers["Client-Cert-Chain"].Should().Be(":" + Convert.ToBase64String(fixture.Pki.Intermediate.RawData) + ":");
    }

    [Fact]
    public async Task Base64Der_And_Traefik()
    {
        (await Headers(fixture.Valid, "/base64der/x"))["X-Client-Cert"].Should().Be(Convert.ToBase64String(fixture.Valid.RawData));
        (await Headers(fixture.Valid, "/traefik/x"))["X-Forwarded-Tls-Client-Cert"].Should()
            .Be(Convert.ToBase64String(fixture.Valid.RawData) + "," + Convert.ToBase64String(fixture.Pki.Intermediate.RawData));
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { "expired", "FAILED:certificate has expired" },
        { "no-client-auth-eku", "FAILED:unsuitable certificate purpose" },
        { "other-ca", "FAILED:unable to get local issuer certificate" },
        { "not-yet-valid", "FAILED:certificate is not yet valid" },
    };

    private (X509Certificate2 Certificate, TestPki Issuer) Make(string kind) => kind switch
    {
        "expired" => (fixture.Pki.IssueClient("CN=Expired", notBefore: DateTimeOffset.UtcNow.AddDays(-10), notAfter: DateTimeOffset.UtcNow.AddDays(-1)), fixture.Pki),
        "not-yet-valid" => (fixture.Pki.IssueClient("CN=Future", notBefore: DateTimeOffset.UtcNow.AddDays(1), notAfter: DateTimeOffset.UtcNow.AddDays(10)), fixture.Pki),
        "no-client-auth-eku" => (fixture.Pki.IssueClient("CN=Email Only", clientAuth: false), fixture.Pki),
        _ => (fixture.OtherCa.IssueClient("CN=Stranger"), fixture.OtherCa),
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task InvalidCertificate_VerifyFailedWithReason_NothingElseForwarded_RequiredRoute403(string kind, string verify)
    {
        var (certificate, issuer) = Make(kind);

        var nginx = await Headers(certificate, "/nginx/x", issuer: issuer);
        nginx["X-SSL-Client-Verify"].Should().Be(verify);
        foreach (var format in new[] { "/xfcc/x", "/rfc9440/x", "/base64der/x", "/traefik/x" })
        {
            var headers = await Headers(certificate, format, issuer: issuer);
            headers.Keys.Should().NotContain(k => k.Contains("Cert", StringComparison.OrdinalIgnoreCase), format);
        }

        using var client = fixture.Client(certificate, http2: true, issuer);
        using var response = await client.GetAsync("/required/x");
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).Should().Be($"403 Forbidden: route 'required' requires a valid client certificate; the client certificate was rejected: {verify["FAILED:".Length..]}\n");
    }

    [Fact]
    public async Task NoCertificate_VerifyNone_RequiredRoute403_OptionalRoutesServe()
    {
        (await Headers(null, "/nginx/x"))["X-SSL-Client-Verify"].Should().Be("NONE");
        (await Headers(null, "/nginx/x")).Should().NotContainKey("X-SSL-Client-Cert", "never sent with an empty value");
        using var client = fixture.Client(null);
        using var response = await client.GetAsync("/required/x");
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).Should().Contain("no client certificate was presented");
        response.Headers.Contains("Strict-Transport-Security").Should().BeTrue("403s on HTTPS carry HSTS");
    }

    [Fact]
    public async Task RequiredRoute_ValidCertificate_Passes_AndIgnoreRouteForwardsNothing()
    {
        var path = $"/required/{Guid.NewGuid():N}";
        (await Headers(fixture.Valid, path))["X-SSL-Client-Verify"].Should().Be("SUCCESS", "the global default format is Nginx");
        (await Headers(fixture.Valid, "/ignore/x")).Keys.Should().NotContain(k => k.StartsWith("X-SSL", StringComparison.OrdinalIgnoreCase));

        var entry = await fixture.Proxy.Logs.WaitForAsync(e => e.Properties.TryGetValue("Path", out var p) && p.ToString() == $"\"{path}\"");
        entry.Properties["ClientCertSubject"].ToString().Should().Be("\"CN=Test Client, OU=Eng, O=Example, C=US\"", "the access log names the client certificate");
    }

    public static TheoryData<string> SpoofedHeaders()
    {
        var data = new TheoryData<string>();
        var certificateHeaders = KnownRequestHeaders.All.Where(h => h.Family == HeaderFamily.Certificate)
            .Select(h => h.IsPrefix ? h.Name.TrimEnd('*') + (h.Name.EndsWith("-*", StringComparison.Ordinal) ? "Cert" : string.Empty) : h.Name)
            .Concat([CertificateHeaderNames.NginxCert, CertificateHeaderNames.ClientCertChain, CertificateHeaderNames.TraefikInfo])
            .Distinct(StringComparer.OrdinalIgnoreCase);
        foreach (var name in certificateHeaders)
        {
            data.Add(name);
            data.Add(name.Replace('-', '_'));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SpoofedHeaders))]
    public async Task SpoofedCertificateHeader_NeverReachesTheUpstream_OnAnyRoute(string header)
    {
        foreach (var path in new[] { "/none/x", "/nginx/x", "/xfcc/x", "/rfc9440/x", "/base64der/x", "/ignore/x", "/default/x" })
        {
            foreach (var certificate in new[] { null, fixture.Valid })
            {
                using var client = fixture.Client(certificate);
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.TryAddWithoutValidation(header, "FORGED-VALUE");

                var headers = await HeaderEchoUpstream.ReadHeadersAsync(await client.SendAsync(request));

                headers.Values.Should().NotContain(v => v.Contains("FORGED-VALUE"), $"{header} on {path} with{(certificate is null ? "out" : string.Empty)} a certificate");
            }
        }
    }
}

/// <summary>
/// An XFCC parser written from Envoy's documentation, independent of EdgeProxy's writer: elements split
/// on ',' and pairs on ';' outside quotes, keys case-insensitive, \" inside quotes.
/// </summary>
internal static class XfccParser
{
    public static List<Dictionary<string, List<string>>> Parse(string value)
    {
        var elements = new List<Dictionary<string, List<string>>>();
        var current = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var token = new System.Text.StringBuilder();
        string? key = null;
        var quoted = false;
        for (var i = 0; i <= value.Length; i++)
        {
            var c = i < value.Length ? value[i] : ',';
            if (quoted)
            {
                if (c == '\\' && i + 1 < value.Length) { token.Append(value[++i]); }
                else if (c == '"') { quoted = false; }
                else { token.Append(c); }
            }
            else if (c == '"') { quoted = true; }
            else if (c == '=' && key is null) { key = token.ToString(); token.Clear(); }
            else if (c is ';' or ',')
            {
                if (key is not null)
                {
                    (current.TryGetValue(key, out var list) ? list : current[key] = []).Add(token.ToString());
                }

                key = null;
                token.Clear();
                if (c == ',')
                {
                    elements.Add(current);
                    current = new(StringComparer.OrdinalIgnoreCase);
                }
            }
            else { token.Append(c); }
        }

        return elements;
    }
}
