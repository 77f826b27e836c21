using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Acme;

/// <summary>EdgeProxy against a real pebble CA over HTTP-01: issuance, the served chain, restart.</summary>
public sealed class AcmeEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task TwoHosts_EachGetsItsOwnCertificate_ServedWithChainThatVerifiesAgainstPebbleRoot()
    {
        var httpPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, httpPort);
        await using var proxy = await ProxyInstance.StartAsync(AcmeTestSetup.Config(_dir.Path, pebble, httpPort, "a.edgeproxy.test", "b.edgeproxy.test"), output);

        var root = await pebble.RootAsync();
        foreach (var host in new[] { "a.edgeproxy.test", "b.edgeproxy.test" })
        {
            var served = await AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, host);
            served.Leaf.MatchesHostname(host).Should().BeTrue();
            served.Sent.Count.Should().BeGreaterThan(1, "the intermediate is sent with the leaf");
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            chain.ChainPolicy.ExtraStore.AddRange(served.Sent);
            chain.Build(served.Leaf).Should().BeTrue(string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        }

        using var admin = proxy.CreatePlainClient(proxy.AdminPort);
        var status = System.Text.Json.Nodes.JsonNode.Parse(await admin.GetStringAsync("/acme"))!;
        status["a.edgeproxy.test"]!["state"]!.GetValue<string>().Should().Be("valid");
        status["b.edgeproxy.test"]!["notAfter"].Should().NotBeNull();
        status["a.edgeproxy.test"]!["certificate"]!.GetValue<string>().Should().Be("acme");
        var ready = (await admin.GetStringAsync("/readyz")).Split('\n');
        ready[0].Should().Be("ready");
        ready[1].Should().MatchRegex(@"^acme a\.edgeproxy\.test: valid; serving acme \(expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\); renewal due \d{4}-");

        // Names ACME does not manage keep the self-signed fallback.
        (await TlsProbe.HandshakeAsync(proxy.HttpsPort, "localhost")).Leaf.Subject.Should().Contain("EdgeProxy self-signed");
        var stored = Path.Combine(_dir.Path, "data", "acme", "certificates", "a.edgeproxy.test", "certificate.pem");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(stored).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var accountKey = Directory.GetFiles(Path.Combine(_dir.Path, "data", "acme", "accounts"), "account.key.pem", SearchOption.AllDirectories)
                .Should().ContainSingle().Subject;
            File.GetUnixFileMode(accountKey).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task Restart_ReusesStoredAccountAndCertificate_WithoutNewOrder()
    {
        var httpPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, httpPort);
        var config = AcmeTestSetup.Config(_dir.Path, pebble, httpPort, "a.edgeproxy.test");
        string first;
        await using (var proxy = await ProxyInstance.StartAsync(config, output))
        {
            first = (await AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, "a.edgeproxy.test")).Leaf.Thumbprint;
        }

        await using var restarted = await ProxyInstance.StartAsync(config, output);
        (await TlsProbe.HandshakeAsync(restarted.HttpsPort, "a.edgeproxy.test")).Leaf.Thumbprint.Should().Be(first, "the stored certificate is served from the first handshake");
        await restarted.Logs.WaitForAsync(e => e.EventId() == EventIds.AcmeCertificateReused);
        await Task.Delay(1000);
        restarted.Logs.Events.Should().NotContain(e => e.EventId() == EventIds.AcmeOrderCreated || e.EventId() == EventIds.AcmeAccountReady, "nothing is due: no account request, no order");
    }

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task NothingIsAskedOfTheCa_UntilTheListenersAreBound()
    {
        // The host starts hosted services before Kestrel binds; a slow one after ours widens that gap to 2 s.
        // An order placed in it would be validated against a closed port and fail for a minute (CI saw it once).
        var httpPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, httpPort);
        await using var proxy = await ProxyInstance.StartAsync(
            AcmeTestSetup.Config(_dir.Path, pebble, httpPort, "a.edgeproxy.test"), output, services => services.AddHostedService<SlowToStart>());

        await AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, "a.edgeproxy.test");

        var events = proxy.Logs.Events.ToList();
        var bound = events.FindLastIndex(e => e.MessageTemplate.Text.StartsWith("Now listening on", StringComparison.Ordinal));
        bound.Should().BeGreaterThanOrEqualTo(0);
        events.FindIndex(e => e.EventId() is EventIds.AcmeAccountReady or EventIds.AcmeOrderCreated).Should().BeGreaterThan(bound);
        events.Should().NotContain(e => e.Level == Serilog.Events.LogEventLevel.Error, "the first order succeeds: no retry a minute later");
    }

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task HostAddedByConfigReload_GetsCertificateWithoutRestart()
    {
        var httpPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, httpPort);
        await using var proxy = await ProxyInstance.StartAsync(AcmeTestSetup.Config(_dir.Path, pebble, httpPort, "a.edgeproxy.test"), output);
        await AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, "a.edgeproxy.test");

        proxy.Config.Set("EdgeProxy:Certificates:Acme:Hosts", new[] { "a.edgeproxy.test", "new.edgeproxy.test" });
        proxy.WriteConfig();

        var served = await AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, "new.edgeproxy.test");
        served.Leaf.MatchesHostname("new.edgeproxy.test").Should().BeTrue();
        proxy.Logs.Events.Count(e => e.EventId() == EventIds.AcmeOrderCreated).Should().Be(2, "one order per host; a.edgeproxy.test is not ordered again");
    }

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task RouteHostAddedByConfigReload_GetsCertificateWithoutRestart()
    {
        // No Hosts list: the names are the routes' Match:Hosts, as YARP read them after the reload (not the file's keys).
        var httpPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, httpPort);
        var config = AcmeTestSetup.Config(_dir.Path, pebble, httpPort)
            .Route("a", "{**any}", "c1").Set("ReverseProxy:Routes:a:Match:Hosts", new[] { "a.edgeproxy.test" })
            .Cluster("c1", "http://127.0.0.1:9/");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        await AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, "a.edgeproxy.test");

        proxy.Config.Route("b", "{**any}", "c1").Set("ReverseProxy:Routes:b:Match:Hosts", new[] { "New.EdgeProxy.test:8443" });
        proxy.WriteConfig();

        var served = await AcmeTestSetup.WaitForAcmeCertificateAsync(proxy, "new.edgeproxy.test");
        served.Leaf.MatchesHostname("new.edgeproxy.test").Should().BeTrue();
        proxy.Logs.Events.Count(e => e.EventId() == EventIds.AcmeOrderCreated).Should().Be(2, "one order per host; a.edgeproxy.test is not ordered again");
    }

    public void Dispose() => _dir.Dispose();

    private sealed class SlowToStart : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
