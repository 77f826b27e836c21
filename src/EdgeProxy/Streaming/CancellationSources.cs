using System.Collections.Concurrent;

namespace EdgeProxy.Streaming;

/// <summary>
/// Cancellation sources for stream sessions, reused once an exchange ends uncancelled (YARP pools the one it
/// links to ours the same way). A reused source keeps its registration table, so the link YARP makes to it
/// costs nothing either: about 230 B per proxied request.
/// </summary>
internal static class CancellationSources
{
    private const int MaxPooled = 1024;
    private static readonly ConcurrentQueue<CancellationTokenSource> Pool = new();
    private static int _pooled;

    public static CancellationTokenSource Rent()
    {
        if (Pool.TryDequeue(out var source))
        {
            Interlocked.Decrement(ref _pooled);
            return source;
        }

        return new CancellationTokenSource();
    }

    /// <summary>Takes a source nothing will use again: pooled if it was never cancelled (its registrations are dropped), else disposed.</summary>
    public static void Return(CancellationTokenSource source)
    {
        if (source.TryReset())
        {
            if (Interlocked.Increment(ref _pooled) <= MaxPooled)
            {
                Pool.Enqueue(source);
                return;
            }

            Interlocked.Decrement(ref _pooled);
        }

        source.Dispose();
    }
}
