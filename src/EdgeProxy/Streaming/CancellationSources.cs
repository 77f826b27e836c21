using System.Collections.Concurrent;

namespace EdgeProxy.Streaming;

/// <summary>
/// Cancellation sources for stream sessions, reused once an exchange ends uncancelled (YARP pools the one it
/// links to ours the same way). A reused source keeps its registration table, so the link YARP makes to it
/// costs nothing either: about 230 B per proxied request.
/// </summary>
internal sealed class CancellationSources(int maxPooled = 1024)
{
    /// <summary>The pool every session uses.</summary>
    public static readonly CancellationSources Shared = new();

    private readonly ConcurrentQueue<CancellationTokenSource> _pool = new();
    private int _pooled;

    public CancellationTokenSource Rent()
    {
        if (_pool.TryDequeue(out var source))
        {
            Interlocked.Decrement(ref _pooled);
            return source;
        }

        return new CancellationTokenSource();
    }

    /// <summary>Takes a source nothing will use again: pooled if it was never cancelled (its registrations are dropped), else disposed.</summary>
    public void Return(CancellationTokenSource source)
    {
        if (source.TryReset())
        {
            if (Interlocked.Increment(ref _pooled) <= maxPooled)
            {
                _pool.Enqueue(source);
                return;
            }

            Interlocked.Decrement(ref _pooled);
        }

        source.Dispose();
    }
}
