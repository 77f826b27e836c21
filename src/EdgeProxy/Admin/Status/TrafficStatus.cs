namespace EdgeProxy.Admin.Status;

/// <summary>Request rates and open streams: <c>SampleSeconds</c> apart, each series oldest first. <c>Available</c> is false when metrics are off (<c>EdgeProxy:Telemetry:Metrics</c>): rates and streams are then unknown.</summary>
internal sealed record TrafficStatus(bool Available, int SampleSeconds, IReadOnlyList<RouteTraffic> Routes, IReadOnlyList<StreamCount> Streams);
