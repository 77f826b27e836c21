namespace EdgeProxy.Streaming;

/// <summary>
/// One stream policy. Durations: <c>30s</c>, <c>5m</c>, <c>24h</c>, <c>hh:mm:ss</c>, or <c>off</c> for no limit (at most
/// 20 days). Keys left out keep the value of the built-in policy of the same mode.
/// </summary>
public sealed class StreamPolicyOptions
{
    /// <summary>
    /// <c>Auto</c> (an ordinary request until the response is an event stream, NDJSON, gRPC or an upgrade),
    /// <c>Buffered</c> (ordinary unless the upstream sends <c>X-Accel-Buffering: no</c>), <c>Sse</c>, <c>Ndjson</c> or
    /// <c>WebSocket</c> (a stream from the start). Required for a policy of your own; a built-in policy's mode is its name.
    /// </summary>
    public string? Mode { get; set; }

    /// <summary>No byte in either direction for this long ends the exchange (504 before the response). Heartbeats do not count. Defaults: Auto and Buffered off (the cluster's ActivityTimeout, YARP default 100 s), Sse and Ndjson 1h, WebSocket 24h.</summary>
    public string? IdleTimeout { get; set; }

    /// <summary>Hard limit on the whole exchange; a WebSocket gets a 1001 close frame. Default off.</summary>
    public string? MaxDuration { get; set; }

    /// <summary>Total limit for ordinary requests (504 if nothing was sent yet). Default 100s on Auto and Buffered; refused on Sse, Ndjson and WebSocket (it would cut every stream).</summary>
    public string? RequestTimeout { get; set; }

    /// <summary>After this much upstream silence: SSE gets a comment line, WebSocket clients a ping. Default off; ignored (WARN) on other modes.</summary>
    public string? Heartbeat { get; set; }

    /// <summary>Bytes, or <c>50MB</c> (50 x 1024 x 1024), <c>1GB</c>, or <c>off</c> (WARN: any size reaches the upstream). Default Kestrel's <c>Limits:MaxRequestBodySize</c> (30000000). Larger bodies get 413 before the upstream sees them all.</summary>
    public string? MaxRequestBodySize { get; set; }

    /// <summary>Auto and Buffered policies: the Sse-mode policy an event-stream response gets. Default <c>Sse</c>.</summary>
    public string? Sse { get; set; }

    /// <summary>Auto and Buffered policies: the Ndjson-mode policy an NDJSON, JSON-lines, JSON-seq or gRPC response gets. Default <c>Ndjson</c>.</summary>
    public string? Ndjson { get; set; }

    /// <summary>Auto and Buffered policies: the WebSocket-mode policy an upgraded connection gets. Default <c>WebSocket</c>.</summary>
    public string? WebSocket { get; set; }
}
