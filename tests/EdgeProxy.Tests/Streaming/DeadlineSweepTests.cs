using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeProxy.Streaming;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Streaming;

/// <summary>The shared clock for far deadlines: hands entries back in time, forgets removed ones, and stops ticking when empty.</summary>
public sealed class DeadlineSweepTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Threshold = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task Entry_IsHandedBack_OnceItsDeadlineIsWithinTheThreshold_AndFarOnesWait()
    {
        using var sweep = new DeadlineSweep(Tick, Threshold);
        var clock = Stopwatch.StartNew();
        var near = new Entry(sweep, Environment.TickCount64 + 800);
        var far = new Entry(sweep, Environment.TickCount64 + 60_000);

        var handedBackAfter = await near.HandedBack.Task.WaitAsync(TimeSpan.FromSeconds(10));

        handedBackAfter.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(450), "800 ms away, it waits until 300 ms remain");
        handedBackAfter.Should().BeLessThan(TimeSpan.FromMilliseconds(1500), "the first tick past 500 ms hands it back (ticks every 50 ms; the bound is for a loaded machine)");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        far.HandedBack.Task.IsCompleted.Should().BeFalse();
        sweep.Count.Should().Be(1, "the near entry left; the far one still waits");
        far.Leave();
        sweep.Count.Should().Be(0);
    }

    [Fact]
    public async Task DeadlineMovedOut_ByTheEntry_IsReadAgainAtEachTick()
    {
        using var sweep = new DeadlineSweep(Tick, Threshold);
        // 2 s ahead at every push, pushed for 2 s: a sweep that kept the first deadline would hand it back at 1.7 s,
        // during the pushes. The 2 s margin (1 s before a CI run saw it run out) is for a loaded machine, which may
        // stretch a 100 ms delay to over a second.
        var entry = new Entry(sweep, Environment.TickCount64 + 2000);
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(100);
            entry.Deadline = Environment.TickCount64 + 2000; // activity, as a session's Touch does
        }

        entry.HandedBack.Task.IsCompleted.Should().BeFalse("the deadline never came within 300 ms (it stayed ~2 s away)");
        var handedBack = await entry.HandedBack.Task.WaitAsync(TimeSpan.FromSeconds(10));
        handedBack.Should().BeGreaterThan(TimeSpan.FromMilliseconds(3000), "it was handed back only once the pushes stopped and it came near");
    }

    [Fact]
    public async Task RemovedEntry_IsNeverCalled_AndAnEmptySweepStopsTicking_ThenStartsAgain()
    {
        using var sweep = new DeadlineSweep(Tick, Threshold);
        var removed = new Entry(sweep, Environment.TickCount64 + 400);
        sweep.IsTicking.Should().BeTrue();
        removed.Leave();

        await Task.Delay(600);

        removed.HandedBack.Task.IsCompleted.Should().BeFalse();
        sweep.IsTicking.Should().BeFalse("a tick that finds nothing waiting does not arm the next");

        var again = new Entry(sweep, Environment.TickCount64 + 400);
        sweep.IsTicking.Should().BeTrue();
        await again.HandedBack.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void ManyEntries_GrowTheTable_AndFreedSlotsAreReused()
    {
        using var sweep = new DeadlineSweep(Tick, Threshold, stripes: 1); // reuse is per stripe, and a thread may change processors between adds
        var entries = Enumerable.Range(0, 200).Select(_ => new Entry(sweep, long.MaxValue)).ToList();
        entries.Select(e => e.Handle).Should().OnlyHaveUniqueItems();
        sweep.Count.Should().Be(200);

        var freed = entries.Take(50).Select(e => e.Handle).ToHashSet();
        entries.Take(50).ToList().ForEach(e => e.Leave());
        var refilled = Enumerable.Range(0, 50).Select(_ => new Entry(sweep, long.MaxValue)).ToList();

        sweep.Count.Should().Be(200);
        refilled.Concat(entries.Skip(50)).Select(e => e.Handle).Should().OnlyHaveUniqueItems();
        refilled.Select(e => e.Handle).Should().BeEquivalentTo(freed, "removed slots are handed out again rather than growing the table");
    }

    [Fact]
    public async Task ConcurrentAddsAndRemoves_LeaveNothingBehind()
    {
        using var sweep = new DeadlineSweep(Tick, Threshold);
        var held = new ConcurrentDictionary<int, byte>();
        var duplicates = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                var entry = new Entry(sweep, long.MaxValue);
                if (!held.TryAdd(entry.Handle, 0))
                {
                    Interlocked.Increment(ref duplicates);
                }

                held.TryRemove(entry.Handle, out var _);
                entry.Leave();
            }
        })));

        duplicates.Should().Be(0, "no two live entries share a handle");
        sweep.Count.Should().Be(0);
    }

    [Fact]
    public async Task AfterDispose_AddingAndRemovingStillWork_AndNothingThrows()
    {
        var sweep = new DeadlineSweep(Tick, Threshold);
        new Entry(sweep, long.MaxValue).Leave();
        (await Eventually.EqualsAsync(() => Task.FromResult(sweep.IsTicking), false)).Should().BeFalse();
        sweep.Dispose();

        var late = new Entry(sweep, Environment.TickCount64 + 400); // an exchange still running while the host shuts down arms the disposed timer (ITimer.Change returns false; System.Threading.Timer's would throw)
        await Task.Delay(600);
        late.Leave();

        sweep.Count.Should().Be(0);
        late.HandedBack.Task.IsCompleted.Should().BeFalse("a disposed sweep no longer ticks");
    }

    [Fact]
    public void Threshold_ShorterThanTwoTicks_IsRefused()
    {
        var create = () => new DeadlineSweep(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1500));

        create.Should().Throw<ArgumentOutOfRangeException>();
    }

    private sealed class Entry : ISweptDeadline
    {
        private readonly DeadlineSweep _sweep;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _deadline;
        private int _left;

        public Entry(DeadlineSweep sweep, long deadline)
        {
            _sweep = sweep;
            _deadline = deadline;
            Handle = sweep.Add(this);
        }

        public int Handle { get; }

        public TaskCompletionSource<TimeSpan> HandedBack { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Deadline
        {
            get => Volatile.Read(ref _deadline);
            set => Volatile.Write(ref _deadline, value);
        }

        public void DeadlineNear()
        {
            if (Deadline - Environment.TickCount64 < 300 && Leave())
            {
                HandedBack.TrySetResult(_clock.Elapsed);
            }
        }

        public bool Leave()
        {
            if (Interlocked.Exchange(ref _left, 1) == 1)
            {
                return false;
            }

            _sweep.Remove(Handle);
            return true;
        }
    }
}
