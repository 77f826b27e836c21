using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Acme;

/// <summary>Renewal, nonce rejection and a failing challenge, each against its own pebble.</summary>
public sealed class AcmeRenewalAndFailureTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task ShortLivedCertificate_IsRenewedAndSwappedWithoutRestart()
    {
        var httpPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, httpPort, validitySeconds: 8);
        await using var proxy = await ProxyInstance.StartAsync(AcmeTestSetup.Config(_dir.Path, pebble, httpPort, "renew.edgeproxy.test"), output);

        var first = await AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, "renew.edgeproxy.test");
        // Under 10 days of lifetime: renewed when half remains, i.e. about 4 s after issuance.
        var renewed = await AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, "renew.edgeproxy.test", notFingerprint: first.Leaf.Thumbprint, seconds: 20);

        renewed.Leaf.NotAfter.Should().BeAfter(first.Leaf.NotAfter);
        renewed.Sent.Count.Should().BeGreaterThan(1, "the renewed certificate is sent with its intermediate too");
        proxy.Logs.Events.Count(e => e.EventId() == EventIds.AcmeAccountReady).Should().Be(1, "the account is registered once, then reused");
    }

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task NoncesRejected_AreRetriedAndIssuanceSucceeds()
    {
        var httpPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, httpPort, nonceRejectPercent: 50);
        await using var proxy = await ProxyInstance.StartAsync(AcmeTestSetup.Config(_dir.Path, pebble, httpPort, "nonce.edgeproxy.test"), output);

        await AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, "nonce.edgeproxy.test");

        proxy.Logs.Events.Should().Contain(e => e.EventId() == EventIds.AcmeBadNonce, "half of pebble's nonces are refused");
        proxy.Logs.Events.Should().NotContain(e => e.EventId() == EventIds.AcmeIssuanceFailed);
    }

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task ChallengeNobodyAnswers_IsLoggedWithTheCasReason_AndSelfSignedKeepsServing()
    {
        // pebble validates on a port nothing listens on: the HTTP-01 request is refused.
        var deadPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, deadPort);
        await using var proxy = await ProxyInstance.StartAsync(AcmeTestSetup.Config(_dir.Path, pebble, PebbleServer.FreePort(), "down.edgeproxy.test"), output);

        var failure = await proxy.Logs.WaitForAsync(e => e.EventId() == EventIds.AcmeIssuanceFailed, TimeSpan.FromSeconds(30));

        var text = failure.RenderMessage();
        text.Should().Contain("down.edgeproxy.test").And.Contain("connection").And.Contain("self-signed");
        failure.Properties["Delay"].ToString().Should().Contain("00:01:00", "the first retry waits a minute, then doubles");
        (await TlsProbe.HandshakeAsync(proxy.HttpsPort, "down.edgeproxy.test")).Leaf.Subject.Should().Contain("EdgeProxy self-signed");
        proxy.Logs.Events.Should().Contain(e => e.EventId() == EventIds.AcmeCertificatePending, "a WARN says why the host is self-signed");
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);
        var status = System.Text.Json.Nodes.JsonNode.Parse(await admin.GetStringAsync("/acme"))!["down.edgeproxy.test"]!;
        status["state"]!.GetValue<string>().Should().Be("failing");
        status["failures"]!.GetValue<int>().Should().Be(1);
        status["lastError"]!.GetValue<string>().Should().StartWith("connection: ");
        status["certificate"]!.GetValue<string>().Should().Be("self-signed fallback");
        using var ready = await admin.GetAsync("/readyz");
        ready.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, "a failing order leaves the proxy ready, serving the fallback");
        (await ready.Content.ReadAsStringAsync()).Should().StartWith("ready\nacme down.edgeproxy.test: failing; serving self-signed fallback; 1 failed attempt(s), last: connection: ")
            .And.Contain("; next attempt ");
    }

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task RenewalFailing_KeepsServingThePreviousCertificate_AndSaysSo()
    {
        var httpPort = PebbleServer.FreePort();
        var pebble = await PebbleServer.StartAsync(_dir.Path, output, httpPort, validitySeconds: 8);
        await using var proxy = await ProxyInstance.StartAsync(AcmeTestSetup.Config(_dir.Path, pebble, httpPort, "keep.edgeproxy.test"), output);
        var first = await AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, "keep.edgeproxy.test");

        await pebble.DisposeAsync(); // the CA is gone when the renewal falls due, about 4 s later
        var failure = await proxy.Logs.WaitForAsync(e => e.EventId() == EventIds.AcmeIssuanceFailed, TimeSpan.FromSeconds(20));

        failure.RenderMessage().Should().Contain("keep.edgeproxy.test").And.Contain(first.Leaf.Subject);
        (await TlsProbe.HandshakeAsync(proxy.HttpsPort, "keep.edgeproxy.test")).Leaf.Thumbprint.Should().Be(first.Leaf.Thumbprint);
    }

    public void Dispose() => _dir.Dispose();
}
