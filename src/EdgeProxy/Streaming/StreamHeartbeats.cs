namespace EdgeProxy.Streaming;

/// <summary>
/// What the proxy itself writes into a stream: a <c>: keepalive</c> comment between SSE events or a ping frame to a
/// WebSocket client when the upstream has been quiet, and a 1001 close frame when a WebSocket ends by the proxy's
/// decision (shutdown, MaxDuration).
/// </summary>
internal static partial class StreamHeartbeats
{
    /// <summary>How long the peers get to finish the close handshake after the proxy's close frame.</summary>
    public static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    /// <summary>One heartbeat; a client that went away between two events is not an error here (YARP's copy loop reports it).</summary>
    public static async Task SendAsync(ResponseBody? body, WebSocketRelayStream? socket, CancellationToken cancellationToken)
    {
        try
        {
            if (socket is not null)
            {
                await socket.TryPingAsync(cancellationToken);
            }
            else if (body is not null)
            {
                await body.TryHeartbeatAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away.
        }
    }

    /// <summary>A 1001 close frame to the client, then the peers get <see cref="CloseGrace"/> to finish the handshake before the exchange is cancelled.</summary>
    public static async Task CloseWebSocketAsync(WebSocketRelayStream socket, ExchangeLimits limits, string routeId, string reason, ILogger logger)
    {
        var sent = false;
        try
        {
            sent = await socket.CloseAsync(1001, reason, CloseGrace, limits.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is already gone.
        }

        Log.WebSocketClosed(logger, routeId, sent ? "sent close 1001 to the client" : "dropped the connection (no frame boundary)", reason);
        limits.CancelAfter(sent ? CloseGrace : TimeSpan.Zero);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.WebSocketClosedByProxy, LogLevel.Information, "Route {RouteId}: WebSocket {Action}: {Reason}")]
        public static partial void WebSocketClosed(ILogger logger, string routeId, string action, string reason);
    }
}
