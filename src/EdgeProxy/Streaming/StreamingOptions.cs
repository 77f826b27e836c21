namespace EdgeProxy.Streaming;

/// <summary>
/// <c>EdgeProxy:Streaming</c>: stream policies by name. A route names one with the metadata key
/// <c>EdgeProxy.StreamPolicy</c> (or picks a built-in one by mode with <c>EdgeProxy.Stream</c>).
/// </summary>
public sealed class StreamingOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:Streaming</c>.</summary>
    public const string SectionName = "EdgeProxy:Streaming";

    /// <summary>
    /// Policies by name. <c>Auto</c>, <c>Buffered</c>, <c>Sse</c>, <c>Ndjson</c> and <c>WebSocket</c> always exist (the
    /// built-in policies; set only the keys you change). Any other name is a policy of your own: it needs a
    /// <c>Mode</c>, and starts as a copy of the built-in policy of that mode.
    /// </summary>
    public Dictionary<string, StreamPolicyOptions> Policies { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
