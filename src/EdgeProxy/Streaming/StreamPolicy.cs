namespace EdgeProxy.Streaming;

/// <summary>
/// One resolved policy (a preset with the operator's overrides applied). Immutable: a request keeps the
/// instance it started with, so a configuration reload never changes an established stream.
/// </summary>
/// <param name="Name">Buffered, Sse, Ndjson or WebSocket.</param>
/// <param name="IdleTimeout">No bytes in either direction for this long ends the exchange; null = the cluster's ActivityTimeout.</param>
/// <param name="MaxDuration">Hard limit on the whole exchange; null = none.</param>
/// <param name="RequestTimeout">Total limit for ordinary requests; null = none. Never set on stream policies.</param>
/// <param name="Heartbeat">SSE comment / WebSocket ping after this much upstream silence; null = off.</param>
/// <param name="MaxRequestBodySize">Bytes; null = unlimited.</param>
internal sealed record StreamPolicy(
    string Name,
    TimeSpan? IdleTimeout,
    TimeSpan? MaxDuration,
    TimeSpan? RequestTimeout,
    TimeSpan? Heartbeat,
    long? MaxRequestBodySize)
{
    public bool IsStream => Name != StreamingSettings.Buffered;
}
