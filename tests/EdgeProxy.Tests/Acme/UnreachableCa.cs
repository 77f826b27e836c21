using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Acme;

/// <summary>
/// A proxy whose ACME CA (on <c>closedPort</c>, where nothing listens) cannot be reached, for two names: <c>api.edgeproxy.test</c> (ACME alone, so the self-signed
/// fallback serves it) and <c>files.edgeproxy.test</c> (a file certificate by SNI as well). Returned once the first
/// issuance has failed, so what the proxy reports about ACME trouble can be read at once.
/// </summary>
internal static class UnreachableCa
{
    public static async Task<ProxyInstance> StartProxyAsync(TempDirectory dir, int closedPort, ITestOutputHelper output)
    {
        var pki = TestPki.Instance;
        var (cert, key) = pki.WritePem(pki.IssueServer("files.edgeproxy.test", ["files.edgeproxy.test"]), dir.Combine("sni"), "files");
        var config = new TestConfig(dir.Path)
            .Set("Kestrel:Endpoints:Https:Sni:files.edgeproxy.test:Certificate", new { Path = cert, KeyPath = key })
            .Set("EdgeProxy:Certificates:Acme:Enabled", true)
            .Set("EdgeProxy:Certificates:Acme:AcceptTermsOfService", true)
            .Set("EdgeProxy:Certificates:Acme:DirectoryUrl", $"https://127.0.0.1:{closedPort}/dir")
            .Set("EdgeProxy:Certificates:Acme:Hosts", new[] { "api.edgeproxy.test", "files.edgeproxy.test" });
        var proxy = await ProxyInstance.StartAsync(config, output);
        try
        {
            await proxy.Logs.WaitForAsync(e => e.EventId() == EventIds.AcmeIssuanceFailed, TimeSpan.FromSeconds(30));
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }
}
