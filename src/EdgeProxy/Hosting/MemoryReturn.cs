using EdgeProxy.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeProxy.Hosting;

/// <summary>
/// Gives memory back to the system once a busy spell is over (<see cref="MemoryOptions.ReturnAfterIdle"/>). The
/// runtime's collector only runs when something allocates, so without this an idle proxy keeps its managed heap at
/// the spell's size, and glibc keeps the pages OpenSSL and the sockets freed. One check every few seconds reads the
/// allocation total (nothing runs per request); <see cref="IdleSpell"/> decides.
/// Once more right after start: the start's own garbage (configuration, the container, Kestrel's and YARP's set-up)
/// would otherwise stay committed until traffic fills the collector's first budget, ~17 MB of the native-AOT build's
/// 26 MB heap at start (bench/README.md). Not when returning is off (<c>0</c>).
/// </summary>
internal sealed partial class MemoryReturn(IOptionsMonitor<MemoryOptions> options, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<MemoryReturn> logger) : BackgroundService
{
    private static readonly TimeSpan LongestCheck = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await StartedAsync(stoppingToken);
            if (options.CurrentValue.ReturnAfterIdle.Value > TimeSpan.Zero)
            {
                Return(idle: null);
            }

            var start = time.GetTimestamp();
            var spell = new IdleSpell(GC.GetTotalAllocatedBytes(), TimeSpan.Zero);
            while (true)
            {
                var after = options.CurrentValue.ReturnAfterIdle.Value;
                await Task.Delay(CheckInterval(after), time, stoppingToken);
                if (spell.Observe(GC.GetTotalAllocatedBytes(), time.GetElapsedTime(start), after))
                {
                    Return(after);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
    }

    /// <summary>A quarter of the idle time, 1-5 s: late by at most that much, and one wake-up per 5 s on an idle proxy.</summary>
    internal static TimeSpan CheckInterval(TimeSpan returnAfterIdle) =>
        returnAfterIdle <= TimeSpan.Zero ? LongestCheck : TimeSpan.FromTicks(Math.Clamp(returnAfterIdle.Ticks / 4, TimeSpan.TicksPerSecond, LongestCheck.Ticks));

    /// <param name="idle">The idle time that ended a busy spell; null for the return right after start.</param>
    private void Return(TimeSpan? idle)
    {
        var residentBefore = Environment.WorkingSet;
        var heapBefore = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var started = time.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var trimmed = NativeHeap.Trim();
        var (residentAfter, heapAfter) = (Megabytes(Environment.WorkingSet), Megabytes(GC.GetGCMemoryInfo().TotalCommittedBytes));
        var milliseconds = (long)time.GetElapsedTime(started).TotalMilliseconds;
        var note = trimmed ? string.Empty : "; the C library keeps its free pages (not glibc)";
        if (idle is { } after)
        {
            Log.Returned(logger, Duration.Show(after), Megabytes(residentBefore), residentAfter, Megabytes(heapBefore), heapAfter, milliseconds, note);
        }
        else
        {
            Log.StartReturned(logger, Megabytes(residentBefore), residentAfter, Megabytes(heapBefore), heapAfter, milliseconds, note);
        }
    }

    private static double Megabytes(long bytes) => Math.Round(bytes / (1024.0 * 1024.0), 1);

    /// <summary>glibc's <c>malloc_trim(0)</c>, found at run time: another C library (musl) has none, and then nothing is trimmed.</summary>
    private static class NativeHeap
    {
        private static readonly MallocTrim? Function = Glibc.Function<MallocTrim>("malloc_trim");

        private delegate int MallocTrim(nuint pad);

        public static bool Trim()
        {
            if (Function is null)
            {
                return false;
            }

            Function(0);
            return true;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.MemoryReturned, LogLevel.Information, "Memory returned to the system after {Idle} idle: resident {ResidentBefore} -> {ResidentAfter} MB, managed heap {HeapBefore} -> {HeapAfter} MB committed, in {Milliseconds} ms{Note}")]
        public static partial void Returned(ILogger logger, string idle, double residentBefore, double residentAfter, double heapBefore, double heapAfter, long milliseconds, string note);

        [LoggerMessage(EventIds.MemoryReturnedAtStart, LogLevel.Debug, "The start's garbage returned to the system: resident {ResidentBefore} -> {ResidentAfter} MB, managed heap {HeapBefore} -> {HeapAfter} MB committed, in {Milliseconds} ms{Note}")]
        public static partial void StartReturned(ILogger logger, double residentBefore, double residentAfter, double heapBefore, double heapAfter, long milliseconds, string note);
    }
}
