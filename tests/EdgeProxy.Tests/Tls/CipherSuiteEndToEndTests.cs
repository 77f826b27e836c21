using System.Text.RegularExpressions;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Tls;

/// <summary>
/// TLS 1.2 suites on a listener with the default SslProtocols, asked for one at a time with openssl s_client: the weak
/// ones refused by the server and the forward-secret AEAD ones served, whether the restriction comes from the shipped
/// openssl.cnf (OpenSSL's default, which keeps .NET's context cache and session resumption) or from the per-listener
/// policy EdgeProxy falls back to when OpenSSL's default allows more.
/// </summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed partial class CipherSuiteEndToEndTests(CipherSuiteFixture proxies) : IClassFixture<CipherSuiteFixture>
{
    private static readonly string[] Modes = [CipherSuiteFixture.Shipped, CipherSuiteFixture.Unset, CipherSuiteFixture.Permissive];

    // CBC (SHA-2 and SHA-1 MACs), RSA key exchange, DHE, and the AEAD suites outside the list (ARIA, CCM).
    private static readonly (string Name, string[] Suites)[] Weak =
    [
        ("e.test", ["ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-ARIA128-GCM-SHA256", "ECDHE-ECDSA-AES128-CCM"]),
        ("r.test", ["ECDHE-RSA-AES128-SHA256", "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA256", "AES128-SHA",
            "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-CHACHA20-POLY1305", "DHE-RSA-AES128-SHA"]), // not 3DES: this OpenSSL cannot even offer it
    ];

    private static readonly (string Name, string[] Suites)[] Good =
    [
        ("e.test", ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"]),
        ("r.test", ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"]),
    ];

    public static TheoryData<string, string, string> WeakSuites => Cases(Weak);

    public static TheoryData<string, string, string> GoodSuites => Cases(Good);

    [ToolTheory("openssl")]
    [MemberData(nameof(WeakSuites))]
    public async Task WeakTls12Suite_IsRefusedByTheServer(string mode, string serverName, string suite)
    {
        // SECLEVEL=0 lets the client offer any suite, so the refusal is the server's (alert 40).
        var result = await SClient(mode, "-tls1_2", "-servername", serverName, "-cipher", suite + ":@SECLEVEL=0");

        result.ExitCode.Should().NotBe(0, result.All);
        result.All.Should().Contain("alert handshake failure").And.NotContain("no cipher match");
    }

    [ToolTheory("openssl")]
    [MemberData(nameof(GoodSuites))]
    public async Task ForwardSecretAeadTls12Suite_IsServed(string mode, string serverName, string suite)
    {
        var result = await SClient(mode, "-tls1_2", "-servername", serverName, "-cipher", suite);

        result.ExitCode.Should().Be(0, result.All);
        result.StdOut.Should().Contain($"New, TLSv1.2, Cipher is {suite}");
    }

    [ToolTheory("openssl")]
    [InlineData(CipherSuiteFixture.Shipped, "e.test")]
    [InlineData(CipherSuiteFixture.Shipped, "r.test")]
    [InlineData(CipherSuiteFixture.Unset, "e.test")]
    [InlineData(CipherSuiteFixture.Unset, "r.test")]
    public async Task ShippedOpenSslConfig_Tls12Sessions_AreResumed(string mode, string serverName)
    {
        var result = await SClient(mode, "-tls1_2", "-servername", serverName, "-reconnect");

        result.ExitCode.Should().Be(0, result.All);
        Handshakes(result.StdOut).Should().Equal(["New, TLSv1.2", .. Enumerable.Repeat("Reused, TLSv1.2", 5)], "s_client reconnects five times with the first session");
    }

    [ToolTheory("openssl")]
    [InlineData(CipherSuiteFixture.Shipped, "e.test")]
    [InlineData(CipherSuiteFixture.Shipped, "r.test")]
    [InlineData(CipherSuiteFixture.Unset, "e.test")]
    [InlineData(CipherSuiteFixture.Unset, "r.test")]
    public async Task ShippedOpenSslConfig_Tls13Session_IsResumed(string mode, string serverName)
    {
        var session = Path.Combine(Path.GetTempPath(), $"edgeproxy-session-{Guid.NewGuid():N}.pem");
        try
        {
            // TLS 1.3 tickets come after the handshake: a request, read to the server's close, lets s_client see them.
            var first = await SClientWithInput(mode, $"GET / HTTP/1.1\r\nHost: {serverName}\r\nConnection: close\r\n\r\n", "-tls1_3", "-servername", serverName, "-ign_eof", "-sess_out", session);
            var second = await SClient(mode, "-tls1_3", "-servername", serverName, "-sess_in", session);

            Handshakes(first.StdOut).Should().Equal("New, TLSv1.3");
            Handshakes(second.StdOut).Should().Equal(["Reused, TLSv1.3"], second.All);
        }
        finally
        {
            File.Delete(session);
        }
    }

    [ToolFact("openssl")]
    public async Task PermissiveOpenSslDefault_PolicyPerListener_SessionsAreNotResumed()
    {
        // The price of the fallback, and proof that it is in force: .NET builds an OpenSSL context per handshake.
        var result = await SClient(CipherSuiteFixture.Permissive, "-tls1_2", "-servername", "e.test", "-reconnect");

        Handshakes(result.StdOut).Should().Equal(Enumerable.Repeat("New, TLSv1.2", 6));
    }

    [Fact]
    public void StartUpLog_SaysWhereTheRestrictionComesFrom()
    {
        var shipped = Path.Combine(EdgeProxyProcess.Folder, "openssl.cnf");
        proxies.Output(CipherSuiteFixture.Shipped).Should().Contain($"TLS 1.2 suites: OpenSSL's default in this process (OPENSSL_CONF={shipped}) allows forward-secret AEAD suites only");

        // No OPENSSL_CONF in the environment: EdgeProxy named the file it ships, and OpenSSL read it.
        proxies.Output(CipherSuiteFixture.Unset).Should().Contain($"TLS 1.2 suites: OpenSSL's default in this process (OPENSSL_CONF={shipped}) allows forward-secret AEAD suites only");
        proxies.Output(CipherSuiteFixture.Permissive).Should().Contain("TLS 1.2 suites: OpenSSL's default in this process (OPENSSL_CONF=")
            .And.Contain("permissive.cnf) also allows")
            .And.Contain("TLS_RSA_WITH_AES_128_GCM_SHA256").And.Contain("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA").And.Contain($"Leave OPENSSL_CONF unset, or set it to {shipped}, ");
    }

    private static TheoryData<string, string, string> Cases((string Name, string[] Suites)[] table)
    {
        var data = new TheoryData<string, string, string>();
        foreach (var mode in Modes)
        {
            foreach (var (name, suites) in table)
            {
                foreach (var suite in suites)
                {
                    data.Add(mode, name, suite);
                }
            }
        }

        return data;
    }

    private static List<string> Handshakes(string output) => [.. HandshakeLine().Matches(output).Select(m => m.Value)];

    private Task<ExternalTool.Result> SClient(string mode, params string[] args) => SClientWithInput(mode, string.Empty, args);

    private Task<ExternalTool.Result> SClientWithInput(string mode, string stdin, params string[] args) => ExternalTool.RunAsync(
        ExternalTool.Require("openssl"), ["s_client", "-connect", $"127.0.0.1:{proxies.Port(mode)}", .. args], TimeSpan.FromSeconds(30), stdin);

    [GeneratedRegex(@"^(New|Reused), TLSv1\.[23]", RegexOptions.Multiline)]
    private static partial Regex HandshakeLine();
}
