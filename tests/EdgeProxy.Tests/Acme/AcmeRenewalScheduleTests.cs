using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using EdgeProxy.Acme;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Acme;

/// <summary>The background service renews when the CA's ARI window says, not when the local rule does (over real HTTPS to a fake CA).</summary>
public sealed class AcmeRenewalScheduleTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task StoredCertificates_AreRenewedInsideTheCasWindow_WithReplaces_AndAFarWindowIsAskedAgainIn6Hours()
    {
        await using var ca = await FakeAcmeDirectory.StartAsync(_dir.Path);
        var storage = _dir.Combine("acme");
        // Both stored certificates have 90 days left: the local rule alone would renew them in about 60 days.
        var soon = Store(storage, "soon.edgeproxy.test");
        var far = Store(storage, "far.edgeproxy.test");
        var start = DateTimeOffset.UtcNow;
        var window = (Start: start.AddSeconds(4), End: start.AddSeconds(5));
        ca.Windows[AcmeRenewalInfo.CertId(soon)!] = window;
        ca.Windows[AcmeRenewalInfo.CertId(far)!] = (start.AddDays(30), start.AddDays(31));
        var config = new TestConfig(_dir.Path)
            .Set("EdgeProxy:Certificates:Acme:Enabled", true)
            .Set("EdgeProxy:Certificates:Acme:AcceptTermsOfService", true)
            .Set("EdgeProxy:Certificates:Acme:DirectoryUrl", ca.DirectoryUrl)
            .Set("EdgeProxy:Certificates:Acme:CaBundle", ca.CaBundle)
            .Set("EdgeProxy:Certificates:Acme:Challenges", new[] { "Http01" })
            .Set("EdgeProxy:Certificates:Acme:StoragePath", storage)
            .Set("EdgeProxy:Certificates:Acme:Hosts", new[] { "soon.edgeproxy.test", "far.edgeproxy.test" });
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);

        (await TlsProbe.HandshakeAsync(proxy.HttpsPort, "soon.edgeproxy.test")).Leaf.Thumbprint.Should().Be(soon.Thumbprint, "the stored certificate serves at once");
        async Task<JsonNode> Status() => JsonNode.Parse(await admin.GetStringAsync("/acme"))!;
        static DateTimeOffset Next(JsonNode status, string host) => status[host]!["nextAttempt"]!.GetValue<DateTimeOffset>();
        (await Eventually.EqualsAsync(async () => Next(await Status(), "soon.edgeproxy.test") <= window.End && Next(await Status(), "far.edgeproxy.test") < start.AddDays(1), true))
            .Should().BeTrue("both certificates' windows are asked for at start, not ~60 days from now; log:\n" + proxy.Logs.AllText);
        var status = await Status();
        ca.RenewalInfoRequests.Select(r => r.CertId).Should().BeEquivalentTo([AcmeRenewalInfo.CertId(soon), AcmeRenewalInfo.CertId(far)]);
        Next(status, "soon.edgeproxy.test").Should().BeOnOrAfter(window.Start).And.BeOnOrBefore(window.End);
        Next(status, "far.edgeproxy.test").Should().BeCloseTo(DateTimeOffset.UtcNow.AddHours(6), TimeSpan.FromMinutes(1),
            "a window further off than 6 h is asked for again by then");
        ca.Orders.Should().BeEmpty("nothing is due before the window opens");

        (await Eventually.EqualsAsync(() => Task.FromResult(!ca.Orders.IsEmpty), true)).Should().BeTrue("the renewal order is placed when the window opens");

        var (at, payload) = ca.Orders.Should().ContainSingle().Subject;
        at.Should().BeOnOrAfter(window.Start).And.BeBefore(window.End.AddSeconds(3));
        payload["identifiers"]![0]!["value"]!.GetValue<string>().Should().Be("soon.edgeproxy.test");
        payload["replaces"]!.GetValue<string>().Should().Be(AcmeRenewalInfo.CertId(soon));
        await proxy.Logs.WaitForAsync(e => e.EventId() == EventIds.AcmeIssuanceFailed);
        (await admin.GetStringAsync("/readyz")).Should().Contain("acme soon.edgeproxy.test: valid, renewal failing; serving acme (expires ")
            .And.Contain("last: unauthorized: fake CA stops here");
        (await TlsProbe.HandshakeAsync(proxy.HttpsPort, "soon.edgeproxy.test")).Leaf.Thumbprint.Should().Be(soon.Thumbprint, "the refused renewal keeps the old one serving");
    }

    /// <summary>A 90-day certificate with an AKI (so it has an ARI certID), stored where the service looks for it.</summary>
    private static X509Certificate2 Store(string storage, string host)
    {
        var pki = TestPki.Instance;
        var leaf = pki.IssueServer(host, [host]);
        var path = Path.Combine(storage, "certificates", host, "certificate.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, leaf.ExportCertificatePem() + "\n" + pki.Intermediate.ExportCertificatePem() + "\n" + leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        return leaf;
    }

    public void Dispose() => _dir.Dispose();
}
