using System.Net;
using System.Net.Sockets;
using EdgeProxy.Retries;

namespace EdgeProxy.Tests.Retries;

/// <summary>
/// The probe that wakes waiting requests must not take a socket connected to itself for the app back: a connect to a
/// local port nothing listens on succeeds that way when the kernel picks the same port as the connection's own.
/// </summary>
public sealed class SelfConnectionTests
{
    [Fact]
    public async Task ASocketConnectedToItself_IsNotTheAppBack()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var own = (IPEndPoint)socket.LocalEndPoint!;
        await socket.ConnectAsync(own); // nothing listens: TCP simultaneous open with itself

        socket.Connected.Should().BeTrue("the kernel connects a socket to its own port");
        ClusterWatch.IsConnectedToItself(socket).Should().BeTrue();
    }

    [Fact]
    public async Task ASocketConnectedToAListener_IsTheAppBack()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp); // dual-mode, as the probe's
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port));

        ClusterWatch.IsConnectedToItself(socket).Should().BeFalse();
    }
}
