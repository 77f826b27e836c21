using EdgeProxy.Configuration;

namespace EdgeProxy.Retries;

/// <summary>
/// What a request does when its cluster's destinations do not answer (<c>EdgeProxy:Retries</c>): it waits
/// out a restart, and an idempotent request that failed after it was sent is sent again. Every key can be
/// set per cluster in YARP's cluster <c>Metadata</c> (<c>"EdgeProxy.TryDuration": "30s"</c>), and
/// <see cref="TryDuration"/> and <see cref="MaxRetries"/> also per route, which wins over its cluster.
/// </summary>
public sealed class RetryOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:Retries</c>.</summary>
    public const string SectionName = "EdgeProxy:Retries";

    /// <summary>
    /// How long a request waits while no destination of its cluster accepts a connection (refused, reset
    /// before anything was sent, connect timeout, host not found, or every destination unhealthy). Nothing was
    /// sent, so every method waits, bodies and WebSocket upgrades included; the body is read only once a
    /// connection exists. The clock starts at the first failed connection, not at the request's arrival.
    /// Default <c>10s</c>: a container restart of a typical Node, Python or .NET app (stop, start, listening)
    /// takes 2-8 s, and 10 s is far below what browsers and HTTP clients wait. After it the client gets the
    /// usual 502/503 page. <c>0</c> turns waiting off: failures are answered at once, as before.
    /// </summary>
    public Duration TryDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// While requests wait, each destination that refused a connection is probed (a TCP connect, nothing sent)
    /// this often; the first probe that connects releases every waiting request at once. Default <c>50ms</c>.
    /// Probes run only while a destination is known to be down.
    /// </summary>
    public Duration TryInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Requests of one cluster that may wait at the same time. Beyond it a request gets 503 with
    /// <c>Retry-After</c> at once, so a dead app cannot pile up connections and memory. Default <c>1000</c>.
    /// </summary>
    public int MaxHeld { get; set; } = 1000;

    /// <summary>
    /// How many times a request that failed after it was sent (connection reset, upstream closed before the
    /// response began) is sent again, to another destination or to the same one once it is back. Only
    /// idempotent methods (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) with a body no larger than
    /// <see cref="MaxRetryBodySize"/>, and never once any response byte reached the client: POST and PATCH are
    /// never sent twice. Default <c>1</c>; <c>0</c> never sends a request twice.
    /// </summary>
    public int MaxRetries { get; set; } = 1;

    /// <summary>
    /// The largest request body (bytes) kept in memory so an idempotent request can be sent again. A larger
    /// body is streamed as always and its request is not retried after it was sent. Default <c>65536</c>.
    /// </summary>
    public long MaxRetryBodySize { get; set; } = 64 * 1024;
}
