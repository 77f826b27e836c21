using System.Buffers;
using System.Collections.Concurrent;

namespace EdgeProxy.Observability;

/// <summary>
/// The access log's line buffers: rented on request threads, returned by the console's one writer thread.
/// <see cref="ArrayPool{T}.Shared"/> keeps arrays per thread and per core, so arrays returned in batches by another
/// thread mostly overflowed it and every other line allocated a new one (~500 B per request). This pool is one
/// queue, whichever thread returns; it keeps at most <see cref="Kept"/> buffers (1 MB).
/// </summary>
internal static class LineBuffers
{
    /// <summary>Big enough for nearly every line, text or JSON; longer lines grow into <see cref="ArrayPool{T}.Shared"/>'s.</summary>
    public const int Size = 1024;

    private const int Kept = 1024;

    private static readonly ConcurrentQueue<byte[]> Free = new();
    private static int _count;

    public static byte[] Rent()
    {
        if (Free.TryDequeue(out var buffer))
        {
            Interlocked.Decrement(ref _count);
            return buffer;
        }

        return new byte[Size];
    }

    public static void Return(byte[] buffer)
    {
        if (buffer.Length != Size)
        {
            ArrayPool<byte>.Shared.Return(buffer); // grown: ArrayPool's (its sizes are powers of two from 16 up, never 1024 + anything)
            return;
        }

        if (Interlocked.Increment(ref _count) <= Kept)
        {
            Free.Enqueue(buffer);
        }
        else
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
