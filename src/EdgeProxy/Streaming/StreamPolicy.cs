namespace EdgeProxy.Streaming;

/// <summary>
/// One resolved policy: a built-in one (named after its mode) or an operator's named one, with every key the
/// operator left out taken from the built-in policy of its mode. Immutable: a request keeps the instance it
/// started with, so a configuration reload never changes an established stream.
/// </summary>
/// <param name="Name">The key under <c>EdgeProxy:Streaming:Policies</c> (a built-in one is named after its mode).</param>
/// <param name="Mode">How the policy treats a response: a stream from the start (Sse, Ndjson, WebSocket) or only once the response says so (Auto, Buffered).</param>
/// <param name="IdleTimeout">No bytes in either direction for this long ends the exchange; null = the cluster's ActivityTimeout.</param>
/// <param name="MaxDuration">Hard limit on the whole exchange; null = none.</param>
/// <param name="RequestTimeout">Total limit for ordinary requests; null = none. Never set on stream policies.</param>
/// <param name="Heartbeat">SSE comment / WebSocket ping after this much upstream silence; null = off.</param>
/// <param name="MaxRequestBodySize">Bytes; null = unlimited.</param>
internal sealed record StreamPolicy(
    string Name,
    StreamMode Mode,
    TimeSpan? IdleTimeout,
    TimeSpan? MaxDuration,
    TimeSpan? RequestTimeout,
    TimeSpan? Heartbeat,
    long? MaxRequestBodySize)
{
    /// <summary>
    /// The policies a response switches to when it turns out to be a stream of each kind; set on every policy
    /// (a stream policy's own kind is itself, an upgrade on an Sse or Ndjson route goes to the WebSocket one).
    /// </summary>
    public StreamTargets? Targets { get; init; }

    /// <summary>True for the policies a stream runs under (Sse, Ndjson, WebSocket); Auto and Buffered govern ordinary requests.</summary>
    public bool IsStream => Mode is StreamMode.Sse or StreamMode.Ndjson or StreamMode.WebSocket;

    /// <summary>Heartbeats exist for SSE (comment lines) and WebSocket (ping frames) only.</summary>
    public TimeSpan? EffectiveHeartbeat => Mode is StreamMode.Sse or StreamMode.WebSocket ? Heartbeat : null;
}
