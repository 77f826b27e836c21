namespace EdgeProxy.Admin.Status;

/// <summary>Streams open now under one stream policy (sse, ndjson, websocket ... or the operator's own policy name).</summary>
internal sealed record StreamCount(string Kind, long Open);
