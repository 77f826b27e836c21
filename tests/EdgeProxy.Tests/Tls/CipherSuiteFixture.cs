using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Tls;

/// <summary>
/// EdgeProxy in three processes, each with the default SslProtocols (TLS 1.2 and 1.3), an ECDSA certificate (any name,
/// e.g. e.test) and an RSA one (SNI r.test), so the suites of both key types can be asked for. "shipped" runs with
/// OPENSSL_CONF at the openssl.cnf the build ships, as the container does; "unset" without OPENSSL_CONF, as a bare
/// <c>dotnet EdgeProxy.dll</c> runs (EdgeProxy then points it at the shipped file itself); "permissive" with an
/// OpenSSL default that allows every suite OpenSSL has, as a host whose openssl.cnf weakens it would.
/// </summary>
public sealed class CipherSuiteFixture : IAsyncLifetime, IDisposable
{
    public const string Shipped = "shipped";
    public const string Unset = "unset";
    public const string Permissive = "permissive";

    private readonly TempDirectory _dir = new();
    private readonly Dictionary<string, (EdgeProxyProcess Process, int Port)> _proxies = [];

    public int Port(string mode) => _proxies[mode].Port;

    public string Output(string mode) => _proxies[mode].Process.Output;

    public async Task InitializeAsync()
    {
        var pki = TestPki.Instance;
        var (ecdsaCert, ecdsaKey) = pki.WritePem(pki.IssueServer("e.test", ["e.test", "localhost"]), _dir.Combine("certs"), "ecdsa");
        var (rsaCert, rsaKey) = pki.WritePem(pki.IssueServer("r.test", ["r.test"], rsa: true), _dir.Combine("certs"), "rsa");
        var permissive = _dir.Combine("permissive.cnf");
        await File.WriteAllTextAsync(permissive, """
            openssl_conf = init
            [init]
            ssl_conf = ssl
            [ssl]
            system_default = tls
            [tls]
            CipherString = ALL:@SECLEVEL=0
            """);
        var shipped = Path.Combine(EdgeProxyProcess.Folder, "openssl.cnf");
        File.Exists(shipped).Should().BeTrue("the build copies src/EdgeProxy/Tls/openssl.cnf next to EdgeProxy.dll");

        await Task.WhenAll(
            StartAsync(Shipped, shipped, ecdsaCert, ecdsaKey, rsaCert, rsaKey),
            StartAsync(Unset, null, ecdsaCert, ecdsaKey, rsaCert, rsaKey),
            StartAsync(Permissive, permissive, ecdsaCert, ecdsaKey, rsaCert, rsaKey));
    }

    public async Task DisposeAsync()
    {
        foreach (var (process, _) in _proxies.Values)
        {
            await process.DisposeAsync();
        }
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    private async Task StartAsync(string mode, string? opensslConf, string ecdsaCert, string ecdsaKey, string rsaCert, string rsaKey)
    {
        var (https, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var config = new TestConfig(_dir.Combine(mode))
            .ProcessListeners(https, admin)
            .WithCertificate(ecdsaCert, ecdsaKey)
            .Set("Kestrel:Endpoints:Https:Sni:r.test:Certificate", new { Path = rsaCert, KeyPath = rsaKey })
            .Set("EdgeProxy:Retries:TryDuration", "0") // no upstream runs: its 502 at once
            .Route("app", "{**any}", "app").Cluster("app", $"http://127.0.0.1:{TestClients.FreePort()}/");
        var process = EdgeProxyProcess.Start(config.Directory, ["--config", config.Write()], new Dictionary<string, string?> { ["OPENSSL_CONF"] = opensslConf } /* null: removed */);
        lock (_proxies)
        {
            _proxies[mode] = (process, https);
        }

        await process.WaitReadyAsync(admin, TimeSpan.FromSeconds(90));
    }
}
