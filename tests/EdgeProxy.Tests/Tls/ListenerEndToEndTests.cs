using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Tls;

public sealed class ListenerEndToEndTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private TestUpstream _upstream = null!;
    private ProxyInstance _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartEchoAsync();
        var pki = TestPki.Instance;
        var (defaultCert, defaultKey) = pki.WritePem(pki.IssueServer("localhost", ["localhost", "127.0.0.1"]), _dir.Combine("certs"), "default");
        var (aCert, aKey) = pki.WritePem(pki.IssueServer("a.test", ["a.test"]), _dir.Combine("certs"), "a");
        var (bCert, bKey) = pki.WritePem(pki.IssueServer("b.test", ["*.b.test"]), _dir.Combine("certs"), "b");
        var config = new TestConfig(_dir.Path)
            .WithCertificate(defaultCert, defaultKey)
            .Set("Kestrel:Endpoints:Https:Sni:a.test:Certificate", new { Path = aCert, KeyPath = aKey })
            .Set("Kestrel:Endpoints:Https:Sni:*.b.test:Certificate", new { Path = bCert, KeyPath = bKey })
            .Route("all", "{**catch-all}", "app")
            .Cluster("app", _upstream.Url);
        _proxy = await ProxyInstance.StartAsync(config, output);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    [Theory]
    [InlineData(false, "1.1")]
    [InlineData(true, "2.0")]
    public async Task ProxiedRequest_ReachesUpstream_OverTls(bool http2, string version)
    {
        using var client = _proxy.CreateClient(http2: http2);

        using var response = await client.GetAsync("/hello");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Version.ToString().Should().Be(version);
        (await response.Content.ReadAsStringAsync()).Should().Be("upstream:/hello");
    }

    [Theory]
    [InlineData("a.test", "CN=a.test")]
    [InlineData("x.b.test", "CN=b.test")]
    [InlineData("localhost", "CN=localhost")]
    [InlineData("unknown.test", "CN=localhost")]
    public async Task Sni_SelectsCertificatePerHostName(string serverName, string expectedSubject)
    {
        var result = await TlsProbe.HandshakeAsync(_proxy.HttpsPort, serverName);

        result.Leaf.Subject.Should().Be(expectedSubject);
    }

    [Fact]
    public async Task Handshake_SendsIntermediate_SoClientsWithOnlyTheRootValidate()
    {
        var result = await TlsProbe.HandshakeAsync(_proxy.HttpsPort, "a.test");

        result.Sent.Select(c => c.Subject).Should().Contain(TestPki.Instance.Intermediate.Subject);
        TestPki.Instance.Validates(result.Leaf, result.Sent).Should().BeTrue();
    }

    [Fact]
    public async Task Alpn_OffersHttp2AndHttp11()
    {
        var h2 = await TlsProbe.HandshakeAsync(_proxy.HttpsPort, "localhost", alpn: [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]);
        var h1 = await TlsProbe.HandshakeAsync(_proxy.HttpsPort, "localhost", alpn: [SslApplicationProtocol.Http11]);

        h2.Alpn.Should().Be(SslApplicationProtocol.Http2);
        h1.Alpn.Should().Be(SslApplicationProtocol.Http11);
    }

#pragma warning disable SYSLIB0039 // the point is that the old protocols are refused
    [Theory]
    [InlineData(SslProtocols.Tls11)]
    [InlineData(SslProtocols.Tls)]
    public async Task OldTlsVersions_AreRefused_ByDefault(SslProtocols protocol)
    {
        var handshake = () => TlsProbe.HandshakeAsync(_proxy.HttpsPort, "localhost", protocol);

        await handshake.Should().ThrowAsync<Exception>();
    }
#pragma warning restore SYSLIB0039

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Tls12And13_AreAccepted(SslProtocols protocol)
    {
        var result = await TlsProbe.HandshakeAsync(_proxy.HttpsPort, "localhost", protocol);

        result.Protocol.Should().Be(protocol);
    }

    [Theory]
    [InlineData("/x", "https://localhost:{port}/x")]
    [InlineData("/a/b?q=1&r=2", "https://localhost:{port}/a/b?q=1&r=2")]
    [InlineData("/files/a%2Fb?next=%2Fhome%20page", "https://localhost:{port}/files/a%2Fb?next=%2Fhome%20page")] // escapes as sent, never %252F
    [InlineData("/caf%C3%A9/x%3By", "https://localhost:{port}/caf%C3%A9/x%3By")]
    public async Task HttpListener_Redirects308_ToSameHostAndPathOnHttps(string path, string expected)
    {
        using var client = _proxy.CreatePlainClient(_proxy.HttpPort);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("body") };
        request.Headers.Host = "localhost";

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.PermanentRedirect);
        response.Headers.Location!.OriginalString.Should().Be(expected.Replace("{port}", _proxy.HttpsPort.ToString()));
    }

    [Fact]
    public async Task RedirectPort_CanBeSetForAnOuterLoadBalancer()
    {
        using var dir = new TempDirectory();
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(dir.Path).Set("EdgeProxy:HttpsRedirect:Port", 443), output);
        using var client = proxy.CreatePlainClient(proxy.HttpPort);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/p?q=1");
        request.Headers.Host = "app.example.com:8080";

        using var response = await client.SendAsync(request);

        response.Headers.Location!.ToString().Should().Be("https://app.example.com/p?q=1");
    }
}
