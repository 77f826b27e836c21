namespace EdgeProxy.RateLimiting;

/// <summary>
/// One partition of one policy generation: a reloaded policy with other limits has a new <see cref="PartitionTable"/>,
/// so its partitions start afresh instead of keeping limiters built with the old limits.
/// </summary>
/// <param name="Table">The policy generation's table.</param>
/// <param name="Value">A client address (IPv6 masked to its prefix), a header or claim value, a route id, or <see cref="PartitionTable.Overflow"/>.</param>
internal readonly record struct RateLimitKey(PartitionTable Table, object Value)
{
    /// <summary>The key of "no limit here" partitions (a default policy removed by a reload).</summary>
    public static readonly RateLimitKey Unlimited = new(new PartitionTable("-", 1), "-");
}
