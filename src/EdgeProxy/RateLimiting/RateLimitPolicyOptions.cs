namespace EdgeProxy.RateLimiting;

/// <summary>
/// One rate-limit policy: a limiter kind, its limits, and what a limit is counted per (the partition). Over the limit a
/// request gets 429 with <c>Retry-After</c> before anything is sent upstream. Durations: <c>1s</c>, <c>1m</c>, <c>00:00:10</c>.
/// </summary>
public sealed class RateLimitPolicyOptions
{
    /// <summary>
    /// <c>FixedWindow</c> (PermitLimit per Window), <c>SlidingWindow</c> (PermitLimit per Window, counted in SegmentsPerWindow
    /// steps), <c>TokenBucket</c> (TokenLimit burst, TokensPerPeriod added every ReplenishmentPeriod: nginx <c>limit_req</c>,
    /// Traefik <c>RateLimit</c>) or <c>Concurrency</c> (PermitLimit requests, streams and WebSockets in flight at once: nginx
    /// <c>limit_conn</c>, Traefik <c>InFlightReq</c>). Required.
    /// </summary>
    public string? Kind { get; set; }

    /// <summary>
    /// What each limit is counted per: <c>Client</c> (default: the client address after trusted-proxy resolution, never a
    /// load balancer's), <c>Header</c> (the value of <see cref="Header"/>), <c>Claim</c> (the value of <see cref="Claim"/>
    /// in the validated token), or <c>Route</c> (one limit shared by every client of the route). A request without the
    /// header or claim is counted by its client address.
    /// </summary>
    public string? PartitionBy { get; set; }

    /// <summary>With <c>PartitionBy: Header</c>: the request header whose value is the partition (e.g. an API key header). Clients choose its value: MaxPartitions bounds what that costs.</summary>
    public string? Header { get; set; }

    /// <summary>With <c>PartitionBy: Claim</c>: the claim type (e.g. <c>sub</c>). Only tokens the route's AuthorizationPolicy validated count; other requests are counted by client address.</summary>
    public string? Claim { get; set; }

    /// <summary>FixedWindow, SlidingWindow: requests per Window. Concurrency: requests in flight at once.</summary>
    public int? PermitLimit { get; set; }

    /// <summary>FixedWindow, SlidingWindow: the window PermitLimit counts over.</summary>
    public string? Window { get; set; }

    /// <summary>SlidingWindow: segments per window. Default 10.</summary>
    public int? SegmentsPerWindow { get; set; }

    /// <summary>TokenBucket: the bucket's size, the burst a quiet client may send at once (nginx <c>burst</c> + 1, Traefik <c>burst</c>).</summary>
    public int? TokenLimit { get; set; }

    /// <summary>TokenBucket: tokens added every ReplenishmentPeriod (the sustained rate; nginx <c>rate</c>, Traefik <c>average</c>).</summary>
    public int? TokensPerPeriod { get; set; }

    /// <summary>TokenBucket: how often TokensPerPeriod are added. Default 1s (Traefik <c>period</c>).</summary>
    public string? ReplenishmentPeriod { get; set; }

    /// <summary>Requests over the limit that wait (oldest first) for a permit instead of getting 429 at once. Default 0 (nginx <c>nodelay</c>). A waiting request holds its connection until a permit frees or the client leaves.</summary>
    public int? QueueLimit { get; set; }

    /// <summary>
    /// The most partitions (clients, header values, claim values) counted at once; beyond it, new ones share one overflow
    /// partition with the same limits until idle partitions are dropped (about 10 s after they become idle). Bounds the
    /// memory a flood of distinct addresses can take (about 0.5 KB each). Default 10000.
    /// </summary>
    public int? MaxPartitions { get; set; }

    /// <summary>Client partitions: IPv6 clients are counted per prefix of this length, since one host holds a whole /64. Default 64; 128 counts each address.</summary>
    public int? Ipv6PrefixLength { get; set; }
}
