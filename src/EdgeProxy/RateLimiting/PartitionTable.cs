using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace EdgeProxy.RateLimiting;

/// <summary>
/// The live partitions of one policy generation, so their number stays bounded: ASP.NET Core's partitioned limiter
/// keeps a limiter per key until it has been idle for 10 s, and a flood of distinct addresses (or header values) would
/// otherwise grow that table without limit. Once <see cref="MaxPartitions"/> are live, new keys share one overflow
/// partition; keys already live keep their own. A new key takes its place here before ASP.NET Core builds its limiter,
/// under a lock, so requests for many new keys arriving at the same instant cannot all slip under the cap: at most
/// MaxPartitions keys of their own plus the overflow partition, whatever the concurrency.
/// </summary>
internal sealed class PartitionTable(string policy, int maxPartitions)
{
    /// <summary>The key every partition beyond the cap shares.</summary>
    public static readonly object Overflow = new OverflowKey();

    private readonly ConcurrentDictionary<object, RateLimiter?> _live = new(); // null: admitted, its limiter not built yet
    private readonly Lock _admitting = new(); // only new keys take it; ASP.NET Core's partitioned limiter locks every acquire anyway
    private int _count;

    public string Policy { get; } = policy;

    public int MaxPartitions { get; } = maxPartitions;

    /// <summary>Partitions that hold a limiter now (the overflow one included).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The key a request is counted under: its own while it is live or there is room, else the overflow key.</summary>
    public object Admit(object value)
    {
        if (_live.ContainsKey(value))
        {
            return value;
        }

        lock (_admitting)
        {
            if (Volatile.Read(ref _count) >= MaxPartitions)
            {
                return Overflow;
            }

            if (_live.TryAdd(value, null))
            {
                Interlocked.Increment(ref _count);
            }
        }

        return value;
    }

    /// <summary>The partitioned limiter created a limiter for <paramref name="value"/>.</summary>
    public void Created(object value, RateLimiter limiter)
    {
        if (_live.TryAdd(value, limiter))
        {
            Interlocked.Increment(ref _count); // the overflow key, or a key whose idle limiter left between Admit and here
        }
        else
        {
            _live[value] = limiter; // the key Admit placed, or a new limiter for a key whose idle one is still being disposed
        }
    }

    /// <summary>The partitioned limiter dropped <paramref name="limiter"/> (idle, or on shutdown).</summary>
    public void Released(object value, RateLimiter limiter)
    {
        if (_live.TryRemove(new KeyValuePair<object, RateLimiter?>(value, limiter)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private sealed class OverflowKey
    {
        public override string ToString() => "overflow";
    }
}
