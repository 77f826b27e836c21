using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Acme;

/// <summary>Two replicas sharing one storage folder, as on a Kubernetes volume.</summary>
public sealed class AcmeSharedStorageTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [ToolFact("pebble", "pebble-challtestsrv")]
    public async Task TwoReplicasSharingStorage_PlaceExactlyOneOrderPerHost_AndServeTheSameCertificate()
    {
        // pebble reaches only replica A's http listener: when B holds the lock, A answers B's challenge from storage.
        var httpPort = PebbleServer.FreePort();
        await using var pebble = await PebbleServer.StartAsync(_dir.Path, output, httpPort);
        var shared = _dir.Combine("shared-acme");
        Directory.CreateDirectory(_dir.Combine("a"));
        Directory.CreateDirectory(_dir.Combine("b"));
        var a = AcmeTestSetup.Config(_dir.Combine("a"), pebble, httpPort, "one.edgeproxy.test", "two.edgeproxy.test").Set("EdgeProxy:Certificates:Acme:StoragePath", shared);
        var b = AcmeTestSetup.Config(_dir.Combine("b"), pebble, PebbleServer.FreePort(), "one.edgeproxy.test", "two.edgeproxy.test").Set("EdgeProxy:Certificates:Acme:StoragePath", shared);

        var started = await Task.WhenAll(ProxyInstance.StartAsync(a, output), ProxyInstance.StartAsync(b, output));
        await using var replicaA = started[0];
        await using var replicaB = started[1];

        foreach (var host in new[] { "one.edgeproxy.test", "two.edgeproxy.test" })
        {
            var fromA = await AcmeTestSetup.WaitForAcmeCertificateAsync(replicaA, host);
            var fromB = await AcmeTestSetup.WaitForAcmeCertificateAsync(replicaB, host);
            fromB.Leaf.Thumbprint.Should().Be(fromA.Leaf.Thumbprint, "the replica that did not order serves the one in storage");
            replicaA.Logs.Events.Concat(replicaB.Logs.Events)
                .Count(e => e.EventId() == EventIds.AcmeOrderCreated && e.RenderMessage().Contains(host)).Should().Be(1);
        }
    }

    public void Dispose() => _dir.Dispose();
}
