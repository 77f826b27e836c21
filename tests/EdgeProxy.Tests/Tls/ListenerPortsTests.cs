using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tls;

namespace EdgeProxy.Tests.Tls;

/// <summary>
/// What a reload's listener check finds for each way an address can be written, against real listening sockets:
/// the same answer Kestrel's bind would give (ListenerReloadTests drive it through a running proxy).
/// </summary>
public sealed class ListenerPortsTests
{
    [Theory]
    [InlineData("127.0.0.1", "https://127.0.0.1:{0}")]
    [InlineData("127.0.0.1", "https://localhost:{0}")]   // Kestrel binds both loopbacks; one in use fails its bind
    [InlineData("127.0.0.1", "https://*:{0}")]           // [::] dual-stack covers every IPv4 address
    [InlineData("0.0.0.0", "https://127.0.0.1:{0}")]     // a wildcard listener holds every address's port
    [InlineData("127.0.0.2", "http://+:{0}")]
    public void APortAnotherListenerHolds_IsInUse(string held, string url)
    {
        var port = TestClients.FreePort();
        using var other = new TcpListener(IPAddress.Parse(held), port);
        other.Start();

        ListenerPorts.Problem(BindingAddress.Parse(string.Format(CultureInfo.InvariantCulture, url, port)))
            .Should().Be($"port {port} is in use by another process (another EdgeProxy, nginx, or an earlier instance still running)");
    }

    [Theory]
    [InlineData("https://127.0.0.1:{0}")]
    [InlineData("https://localhost:{0}")]
    [InlineData("https://*:{0}")]
    public void AFreePort_HasNoProblem_AndIsStillFreeAfterwards(string url)
    {
        var port = TestClients.FreePort();

        ListenerPorts.Problem(BindingAddress.Parse(string.Format(CultureInfo.InvariantCulture, url, port))).Should().BeNull();
        using var after = new TcpListener(IPAddress.Loopback, port);
        after.Invoking(l => l.Start()).Should().NotThrow("the check released what it bound");
    }

    [Fact]
    public void AnAddressThisHostDoesNotHave_CannotBeBound()
    {
        ListenerPorts.Problem(BindingAddress.Parse($"https://192.0.2.1:{TestClients.FreePort()}"))
            .Should().StartWith("192.0.2.1:").And.Contain("cannot be bound (");
    }

    [Fact]
    public void APortInTimeWait_IsFree_AsForKestrelsOwnBind()
    {
        var port = TestClients.FreePort();
        using (var listener = new TcpListener(IPAddress.Loopback, port))
        {
            listener.Start();
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            using var accepted = listener.AcceptTcpClient();
            accepted.Client.Close(); // the server side closes first: once the client closes too, its end waits in TIME_WAIT
        }

        ListenerPorts.Problem(BindingAddress.Parse($"https://127.0.0.1:{port}")).Should().BeNull();
    }
}
