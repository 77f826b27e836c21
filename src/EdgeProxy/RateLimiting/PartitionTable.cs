using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace EdgeProxy.RateLimiting;

/// <summary>
/// The live partitions of one policy generation, so their number stays bounded: ASP.NET Core's partitioned limiter
/// keeps a limiter per key until it has been idle for 10 s, and a flood of distinct addresses (or header values) would
/// otherwise grow that table without limit. Once <see cref="MaxPartitions"/> are live, new keys share one overflow
/// partition; keys already live keep their own.
/// </summary>
internal sealed class PartitionTable(string policy, int maxPartitions)
{
    /// <summary>The key every partition beyond the cap shares.</summary>
    public static readonly object Overflow = new OverflowKey();

    private readonly ConcurrentDictionary<object, RateLimiter> _live = new();
    private int _count;

    public string Policy { get; } = policy;

    public int MaxPartitions { get; } = maxPartitions;

    /// <summary>Partitions that hold a limiter now (the overflow one included).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The key a request is counted under: its own while it is live or there is room, else the overflow key.</summary>
    public object Admit(object value) => Volatile.Read(ref _count) < MaxPartitions || _live.ContainsKey(value) ? value : Overflow;

    /// <summary>The partitioned limiter created a limiter for <paramref name="value"/>.</summary>
    public void Created(object value, RateLimiter limiter)
    {
        if (_live.TryAdd(value, limiter))
        {
            Interlocked.Increment(ref _count);
        }
        else
        {
            _live[value] = limiter; // a new limiter for a key whose idle one is still being disposed
        }
    }

    /// <summary>The partitioned limiter dropped <paramref name="limiter"/> (idle, or on shutdown).</summary>
    public void Released(object value, RateLimiter limiter)
    {
        if (_live.TryRemove(new KeyValuePair<object, RateLimiter>(value, limiter)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private sealed class OverflowKey
    {
        public override string ToString() => "overflow";
    }
}
