using System.Net;
using System.Net.Sockets;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>Polling for effects that happen on the proxy's own schedule (file polls, listener shutdown).</summary>
public static class Eventually
{
    /// <summary>Probes until it returns <paramref name="expected"/> or the time is up; returns the last value for the assertion.</summary>
    public static async Task<T> EqualsAsync<T>(Func<Task<T>> probe, T expected, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var last = await probe();
        while (!EqualityComparer<T>.Default.Equals(last, expected) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            last = await probe();
        }

        return last;
    }

    /// <summary>Waits until nothing accepts connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task RefusedAsync(int port, string because)
    {
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, port);
            }
            catch (SocketException)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException(because);
    }
}
