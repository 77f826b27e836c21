namespace EdgeProxy.ErrorPages;

/// <summary>How a request that waited or was tried more than once ended: the retry layer's part of its one log line.</summary>
/// <param name="Reason">The metric's reason: <c>try_duration</c>, <c>held_limit</c>, <c>route_timeout</c> or <c>failed</c>.</param>
/// <param name="Tries">Times the request was handed to the forwarder.</param>
/// <param name="Waited">Time spent waiting for a destination to accept connections.</param>
internal readonly record struct GiveUp(string Reason, int Tries, TimeSpan Waited);
