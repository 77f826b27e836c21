using System.Net;
using System.Net.Sockets;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.TestInfrastructure;

/// <summary>
/// The ports tests name before they bind them: each must be bindable and none handed out twice in one run, or two
/// tests that bind later collide ("address already in use", seen in CI).
/// </summary>
public sealed class FreePortTests
{
    [Fact]
    public void PortsAreNeverHandedOutTwice_AndAreBelowTheEphemeralRange()
    {
        var ports = Enumerable.Range(0, 400).Select(_ => TestClients.FreePort()).ToList();

        ports.Should().OnlyHaveUniqueItems();
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0]);
        ports.Should().OnlyContain(p => p >= 1024 && p < ephemeralLow);
    }

    [Fact]
    public void AHandedOutPort_CanBeBound()
    {
        var port = TestClients.FreePort();

        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        ((IPEndPoint)listener.LocalEndpoint).Port.Should().Be(port);
    }
}
