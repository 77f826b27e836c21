namespace EdgeProxy.Streaming;

/// <summary>
/// <c>EdgeProxy:Streaming</c>: the limits of each stream policy. A route picks its policy with the metadata key
/// <c>EdgeProxy.Stream</c>; a key left out keeps the policy's default.
/// </summary>
public sealed class StreamingOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:Streaming</c>.</summary>
    public const string SectionName = "EdgeProxy:Streaming";

    /// <summary>The four policies; set only the keys you change.</summary>
    public StreamPoliciesOptions Policies { get; set; } = new();
}

/// <summary><c>EdgeProxy:Streaming:Policies</c>: one entry per policy.</summary>
public sealed class StreamPoliciesOptions
{
    /// <summary>Ordinary requests. Defaults: IdleTimeout off (the cluster's ActivityTimeout, YARP default 100 s), RequestTimeout 100s.</summary>
    public StreamPolicyOptions Buffered { get; set; } = new();

    /// <summary>Server-Sent Events. Defaults: IdleTimeout 1h, no RequestTimeout (refused: it would cut every stream).</summary>
    public StreamPolicyOptions Sse { get; set; } = new();

    /// <summary>NDJSON, JSON lines, JSON sequences and gRPC. Defaults: IdleTimeout 1h; Heartbeat is not available.</summary>
    public StreamPolicyOptions Ndjson { get; set; } = new();

    /// <summary>Upgraded connections (WebSocket over HTTP/1.1 and HTTP/2). Defaults: IdleTimeout 24h.</summary>
    public StreamPolicyOptions WebSocket { get; set; } = new();
}

/// <summary>
/// One policy's limits. Durations: <c>30s</c>, <c>5m</c>, <c>24h</c>, <c>hh:mm:ss</c>, or <c>off</c> for no limit (at most
/// 20 days). Unset keys keep the policy's default.
/// </summary>
public sealed class StreamPolicyOptions
{
    /// <summary>No byte in either direction for this long ends the exchange (504 before the response). Heartbeats do not count.</summary>
    public string? IdleTimeout { get; set; }

    /// <summary>Hard limit on the whole exchange; a WebSocket gets a 1001 close frame. Default off.</summary>
    public string? MaxDuration { get; set; }

    /// <summary>Total limit for ordinary requests (504 if nothing was sent yet). Refused on Sse, Ndjson and WebSocket.</summary>
    public string? RequestTimeout { get; set; }

    /// <summary>After this much upstream silence: SSE gets a comment line, WebSocket clients a ping. Default off; ignored on Buffered and Ndjson.</summary>
    public string? Heartbeat { get; set; }

    /// <summary>Bytes, or <c>50MB</c> (50 x 1024 x 1024), <c>1GB</c>, or <c>off</c> (WARN). Default 30000000 (Kestrel's). Larger bodies get 413.</summary>
    public string? MaxRequestBodySize { get; set; }
}
