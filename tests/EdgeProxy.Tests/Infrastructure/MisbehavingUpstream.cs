using System.Net;
using System.Net.Sockets;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>How a <see cref="MisbehavingUpstream"/> answers once it has read the request.</summary>
public enum Misbehaviour
{
    /// <summary>A TCP reset (RST, not FIN).</summary>
    Reset,

    /// <summary>A clean close without a byte of response.</summary>
    Close,

    /// <summary>Bytes that are not HTTP, then a close.</summary>
    Garbage,
}

/// <summary>An upstream on 127.0.0.1:0 that reads what it is sent and then fails in one chosen way.</summary>
public sealed class MisbehavingUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Misbehaviour _how;
    private Task _loop = Task.CompletedTask;

    private MisbehavingUpstream(Misbehaviour how) => _how = how;

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

    public static MisbehavingUpstream Start(Misbehaviour how)
    {
        var upstream = new MisbehavingUpstream(how);
        upstream._listener.Start();
        upstream._loop = upstream.LoopAsync();
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using var socket = await _listener.AcceptSocketAsync(_stop.Token);
            await socket.ReceiveAsync(new byte[8192], SocketFlags.None, _stop.Token);
            switch (_how)
            {
                case Misbehaviour.Reset:
                    socket.LingerState = new LingerOption(true, 0);
                    break;
                case Misbehaviour.Garbage:
                    await socket.SendAsync("SSH-2.0-OpenSSH_9.6\r\n\r\n"u8.ToArray(), SocketFlags.None, _stop.Token);
                    socket.Shutdown(SocketShutdown.Send);
                    break;
                default:
                    socket.Shutdown(SocketShutdown.Both);
                    break;
            }

            socket.Close();
        }
    }
}
