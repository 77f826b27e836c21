using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Tls;

/// <summary>Peers nobody here wrote: openssl s_client, curl and testssl.sh against the real listeners.</summary>
public sealed class TlsExternalPeerTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private TestUpstream _upstream = null!;
    private ProxyInstance _proxy = null!;
    private string _rootPem = null!;

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartEchoAsync();
        var pki = TestPki.Instance;
        _rootPem = pki.WriteRootPem(_dir.Combine("trust"));
        var (aCert, aKey) = pki.WritePem(pki.IssueServer("a.test", ["a.test"]), _dir.Combine("certs"), "a");
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:Sni:a.test:Certificate", new { Path = aCert, KeyPath = aKey })
            .Route("all", "{**any}", "app").Cluster("app", _upstream.Url);
        _proxy = await ProxyInstance.StartAsync(config, output);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    private Task<ExternalTool.Result> SClient(params string[] args) => ExternalTool.RunAsync(
        ExternalTool.Require("openssl"), ["s_client", "-connect", $"127.0.0.1:{_proxy.HttpsPort}", .. args], TimeSpan.FromSeconds(20), stdin: "");

    [ToolTheory("openssl")]
    [InlineData("-tls1_1")]
    [InlineData("-tls1")]
    public async Task OpenSsl_OldProtocol_IsRefusedByTheServer(string protocol)
    {
        // SECLEVEL=0 lets the client offer the old protocol, so the refusal is the server's (alert 70).
        var result = await SClient(protocol, "-cipher", "DEFAULT:@SECLEVEL=0", "-servername", "localhost");

        result.ExitCode.Should().NotBe(0);
        result.All.Should().Contain("alert protocol version").And.Contain("no peer certificate available");
    }

    [ToolTheory("openssl")]
    [InlineData("-tls1_2", "TLSv1.2")]
    [InlineData("-tls1_3", "TLSv1.3")]
    public async Task OpenSsl_ModernProtocols_Handshake_AndVerifyAgainstRootOnly(string protocol, string expected)
    {
        var result = await SClient(protocol, "-servername", "localhost", "-CAfile", _rootPem, "-verify_return_error");

        result.ExitCode.Should().Be(0, result.All);
        result.StdOut.Should().Contain($"New, {expected}, Cipher is").And.Contain("Verify return code: 0 (ok)");
    }

    [ToolFact("openssl")]
    public async Task OpenSsl_ShowCerts_SniNameGetsItsLeafPlusIntermediate()
    {
        var result = await SClient("-servername", "a.test", "-showcerts", "-CAfile", _rootPem);

        result.StdOut.Split("-----BEGIN CERTIFICATE-----").Length.Should().Be(3, "leaf + intermediate, no root");
        result.StdOut.Should().Contain("0 s:CN = a.test").And.Contain("1 s:CN = EdgeProxy Test Intermediate");
    }

    [ToolTheory("curl")]
    [InlineData("--http1.1", "1.1")]
    [InlineData("--http2", "2")]
    public async Task Curl_ThroughTheProxy_WithOnlyTheRootTrusted(string flag, string version)
    {
        var result = await ExternalTool.RunAsync(ExternalTool.Require("curl"),
            ["-sS", flag, "--cacert", _rootPem, "--resolve", $"a.test:{_proxy.HttpsPort}:127.0.0.1", "-w", "\n%{http_version} %{http_code}", $"https://a.test:{_proxy.HttpsPort}/curl"],
            TimeSpan.FromSeconds(20));

        result.ExitCode.Should().Be(0, result.All);
        result.StdOut.Should().Be($"upstream:/curl\n{version} 200");
    }

    [ToolFact("curl")]
    public async Task Curl_HttpListener_Gets308ToHttps()
    {
        var result = await ExternalTool.RunAsync(ExternalTool.Require("curl"),
            ["-sS", "-I", "--resolve", $"a.test:{_proxy.HttpPort}:127.0.0.1", $"http://a.test:{_proxy.HttpPort}/x?y=1"], TimeSpan.FromSeconds(20));

        result.StdOut.Should().StartWith("HTTP/1.1 308").And.Contain($"Location: https://a.test:{_proxy.HttpsPort}/x?y=1");
    }
}
