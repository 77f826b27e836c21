namespace EdgeProxy.Streaming;

/// <summary>Which policy each recognised kind of stream gets on a route (the keys <c>Sse</c>, <c>Ndjson</c>, <c>WebSocket</c> of Auto and Buffered policies).</summary>
internal sealed record StreamTargets(StreamPolicy Sse, StreamPolicy Ndjson, StreamPolicy WebSocket);
