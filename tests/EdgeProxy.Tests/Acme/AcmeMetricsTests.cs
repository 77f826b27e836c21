using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;
using static EdgeProxy.Tests.Observability.TelemetryTests;

namespace EdgeProxy.Tests.Acme;

/// <summary>
/// ACME at the admin listener's <c>/metrics</c>: failed orders counted by host, CA problem and issuance/renewal, and
/// ACME certificates in the days-until-expiry gauge. Exact values: runs alone (meters are process-wide).
/// </summary>
[Collection(EdgeProxy.Tests.Streaming.RunsAlone.Name)]
public sealed class AcmeMetricsTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task ChallengeNobodyAnswers_CountsOneIssuanceFailure_WithTheCasProblemType()
    {
        var deadPort = PebbleServer.FreePort(); // pebble validates HTTP-01 where nothing listens
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, deadPort);
        await using var proxy = await ProxyInstance.StartAsync(AcmeTestSetup.Config(_dir.Path, pebble, PebbleServer.FreePort(), "count.edgeproxy.test"), output);
        await proxy.Logs.WaitForAsync(e => e.EventId() == EventIds.AcmeIssuanceFailed, TimeSpan.FromSeconds(30));
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);

        var metrics = await admin.GetStringAsync("/metrics");

        FailureLines(metrics).Should().Equal(["edgeproxy_acme_failures_total{otel_scope_name=\"EdgeProxy\",host=\"count.edgeproxy.test\",order=\"issuance\",type=\"connection\"} 1"]);
        metrics.Should().NotContain("certificate=\"EdgeProxy:Certificates:Acme:Hosts:count.edgeproxy.test\"", "no certificate was issued");
    }

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task IssuedCertificate_IsInTheExpiryGauge_AndAFailedRenewalCountsAsRenewal()
    {
        var httpPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, httpPort, validitySeconds: 8); // disposing twice is harmless
        await using var proxy = await ProxyInstance.StartAsync(AcmeTestSetup.Config(_dir.Path, pebble, httpPort, "gauge.edgeproxy.test"), output);
        var served = await AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, "gauge.edgeproxy.test");
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);

        var issued = await admin.GetStringAsync("/metrics");
        var days = Value(issued, "edgeproxy_certificate_expiry_days", "certificate=\"EdgeProxy:Certificates:Acme:Hosts:gauge.edgeproxy.test\"");
        days.Should().BeApproximately((served.Leaf.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalDays, 2.0 / 86400, "pebble issued it for 8 s");
        FailureLines(issued).Should().BeEmpty("nothing failed yet");

        await pebble.DisposeAsync(); // the CA is gone when the renewal falls due, about 4 s after issuance
        await proxy.Logs.WaitForAsync(e => e.EventId() == EventIds.AcmeIssuanceFailed, TimeSpan.FromSeconds(20));

        FailureLines(await admin.GetStringAsync("/metrics")).Should().Equal(
            ["edgeproxy_acme_failures_total{otel_scope_name=\"EdgeProxy\",host=\"gauge.edgeproxy.test\",order=\"renewal\",type=\"HttpRequestException\"} 1"]);
    }

    private static string[] FailureLines(string exposition) =>
        [.. exposition.Split('\n').Where(l => l.StartsWith("edgeproxy_acme_failures_total{", StringComparison.Ordinal)).Select(l => System.Text.RegularExpressions.Regex.Replace(l.Trim(), @"\s+\d{10,}$", string.Empty))];

    public void Dispose() => _dir.Dispose();
}
