namespace EdgeProxy.Streaming;

/// <summary>The value of a route's <c>EdgeProxy.Stream</c> metadata key.</summary>
internal enum StreamMode
{
    /// <summary>Ordinary request until the response says otherwise (event-stream, NDJSON, gRPC, upgrade).</summary>
    Auto,
    Sse,
    Ndjson,
    WebSocket,

    /// <summary>Ordinary request whatever the response type, unless the upstream sends <c>X-Accel-Buffering: no</c>.</summary>
    Buffered,
}
