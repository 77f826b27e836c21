using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// Connection middleware for the endpoints named in <c>EdgeProxy:TrustedProxies:ProxyProtocol</c>: runs before
/// TLS, accepts the header only from trusted networks, and makes the address it carries the connection's
/// remote end point, so everything above (the trust walk, logs, allowlists) sees the real client.
/// </summary>
internal sealed partial class ProxyProtocolConnections(TrustedProxiesState state, ILogger<ProxyProtocolConnections> logger)
{
    /// <summary>A balancer sends the header with the connection; a peer that does not within this is not one.</summary>
    public static readonly TimeSpan HeaderTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Makes the listener expect the header; the listener binder calls it for the endpoints configured to.</summary>
    public void Attach(ListenOptions listen, string endpointName) => listen.Use(next => connection => AcceptAsync(connection, next, endpointName));

    private async Task AcceptAsync(ConnectionContext connection, ConnectionDelegate next, string endpointName)
    {
        var peer = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        if (!state.Current.Networks.Contains(peer))
        {
            Log.UntrustedPeer(logger, endpointName, peer?.ToString() ?? "-");
            connection.Abort(new ConnectionAbortedException("PROXY protocol from an untrusted peer"));
            return;
        }

        var header = await ReadHeaderAsync(connection, endpointName, peer!);
        if (header is null)
        {
            connection.Abort(new ConnectionAbortedException("malformed PROXY protocol header"));
            return;
        }

        if (header.Value.Source is { } source)
        {
            // Only the remote end changes: the local end point stays ours, so LocalPort is still the port we bound.
            connection.RemoteEndPoint = source;
        }

        Log.Accepted(logger, endpointName, peer!.ToString(), header.Value.Version, header.Value.Source?.ToString() ?? "(connection's own)");
        await next(connection);
    }

    private async Task<ProxyProtocolHeader?> ReadHeaderAsync(ConnectionContext connection, string endpointName, IPAddress peer)
    {
        var input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(HeaderTimeout);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(timeout.Token);
                var buffer = result.Buffer;
                switch (ProxyProtocolHeader.TryParse(buffer, out var header, out var length, out var error))
                {
                    case ProxyProtocolHeader.Status.Complete:
                        input.AdvanceTo(buffer.GetPosition(length));
                        return header;
                    case ProxyProtocolHeader.Status.Invalid:
                        input.AdvanceTo(buffer.Start);
                        Log.Malformed(logger, endpointName, peer.ToString(), error);
                        return null;
                }

                if (result.IsCompleted)
                {
                    input.AdvanceTo(buffer.Start);
                    Log.Malformed(logger, endpointName, peer.ToString(), "the connection ended inside the header");
                    return null;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (OperationCanceledException)
        {
            Log.Malformed(logger, endpointName, peer.ToString(), $"no complete header within {HeaderTimeout.TotalSeconds:0}s");
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ProxyProtocolUntrustedPeer, LogLevel.Warning, "PROXY protocol connection on {Endpoint} from {Peer} closed: not in EdgeProxy:TrustedProxies:Networks")]
        public static partial void UntrustedPeer(ILogger logger, string endpoint, string peer);

        [LoggerMessage(EventIds.ProxyProtocolMalformed, LogLevel.Warning, "PROXY protocol connection on {Endpoint} from {Peer} closed: {Reason}")]
        public static partial void Malformed(ILogger logger, string endpoint, string peer, string reason);

        [LoggerMessage(EventIds.ProxyProtocolAccepted, LogLevel.Debug, "PROXY protocol v{Version} on {Endpoint} from {Peer}: client {Source}")]
        public static partial void Accepted(ILogger logger, string endpoint, string peer, int version, string source);
    }
}
