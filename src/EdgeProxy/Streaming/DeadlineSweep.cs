using System.Numerics;

namespace EdgeProxy.Streaming;

/// <summary>
/// One coarse clock for the far deadlines of every stream session. Most exchanges end long before their
/// limits (an ordinary request has 100 s), so a session whose nearest deadline is at least
/// <see cref="Threshold"/> away waits here, in a slot of a striped table, instead of owning a timer
/// (a timer cost each request ~100 B and two timer-queue locks). One tick per <c>tick</c>, only while
/// something waits, hands each session whose deadline has come within <see cref="Threshold"/> back to
/// a timer of its own, so limits still fire to the millisecond. The table keeps its high-water size, and a
/// tick walks it under each stripe's lock: about 1 ms per tick with 100,000 waiting (measured with a trivial entry).
/// </summary>
internal sealed class DeadlineSweep : IDisposable
{
    // A session is handed back with at least threshold - tick to go (5 s), so a late tick still leaves its timer
    // time to fire on the dot; limits of 10 s and more (every default) wait here; a proxy holding idle WebSockets
    // wakes once per 5 s for them.
    public static readonly TimeSpan DefaultTick = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultThreshold = TimeSpan.FromSeconds(10);

    private const int StripeBits = 3; // a handle is (slot << StripeBits) | stripe

    private readonly ExchangeClock _clock;
    private readonly Stripe[] _stripes;
    private readonly long _thresholdMs;
    private readonly TimeSpan _tick;
    private readonly ITimer _timer;
    private int _armed;

    public DeadlineSweep()
        : this(DefaultTick, DefaultThreshold)
    {
    }

    /// <summary>The default tick and threshold on the given clock (DI passes the registered <see cref="TimeProvider"/>'s).</summary>
    public DeadlineSweep(ExchangeClock clock)
        : this(DefaultTick, DefaultThreshold, clock: clock)
    {
    }

    /// <param name="tick">How often the table is walked while it holds anything.</param>
    /// <param name="threshold">How far a deadline must be to wait here; at least two ticks, so a session is handed back well before it is due.</param>
    /// <param name="stripes">Lock stripes, a power of two up to 8; by default one per processor (an entry goes to its adder's).</param>
    /// <param name="clock">The clock deadlines are read on and the tick's timer comes from; the system's by default.</param>
    public DeadlineSweep(TimeSpan tick, TimeSpan threshold, int stripes = 0, ExchangeClock? clock = null)
    {
        _clock = clock ?? ExchangeClock.System;
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, tick * 2);
        _tick = tick;
        Threshold = threshold;
        _thresholdMs = (long)threshold.TotalMilliseconds;
        var wanted = stripes > 0 ? stripes : Environment.ProcessorCount;
        _stripes = new Stripe[Math.Min(1 << StripeBits, (int)BitOperations.RoundUpToPowerOf2((uint)wanted))];
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Stripe();
        }

        using (ExecutionContext.SuppressFlow()) // created on some request's thread; the ticks must not run in its context
        {
            _timer = _clock.Time.CreateTimer(static s => ((DeadlineSweep)s!).Tick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Deadlines at least this far away may wait here.</summary>
    public TimeSpan Threshold { get; }

    /// <summary>How many entries wait now (walks every stripe; for tests and diagnostics).</summary>
    public int Count => _stripes.Sum(s => s.Count);

    /// <summary>Whether the tick is armed; it stops itself at the first tick that finds the table empty.</summary>
    public bool IsTicking => Volatile.Read(ref _armed) == 1;

    /// <summary>Adds an entry; the handle it returns is what <see cref="Remove"/> takes.</summary>
    public int Add(ISweptDeadline entry)
    {
        var stripeIndex = Thread.GetCurrentProcessorId() & (_stripes.Length - 1);
        var slot = _stripes[stripeIndex].Add(entry);

        // The tick clears _armed before it walks the stripes under their locks, so either it sees this entry
        // or this read sees its 0 and arms it again.
        if (Volatile.Read(ref _armed) == 0 && Interlocked.CompareExchange(ref _armed, 1, 0) == 0)
        {
            _timer.Change(_tick, Timeout.InfiniteTimeSpan);
        }

        return (slot << StripeBits) | stripeIndex;
    }

    public void Remove(int handle) => _stripes[handle & ((1 << StripeBits) - 1)].Remove(handle >> StripeBits);

    public void Dispose() => _timer.Dispose();

    private void Tick()
    {
        Interlocked.Exchange(ref _armed, 0);
        var now = _clock.Now;
        List<ISweptDeadline>? near = null;
        var waiting = 0;
        foreach (var stripe in _stripes)
        {
            waiting += stripe.Collect(now + _thresholdMs, ref near);
        }

        if (waiting > 0 && Interlocked.CompareExchange(ref _armed, 1, 0) == 0)
        {
            _timer.Change(_tick, Timeout.InfiniteTimeSpan);
        }

        if (near is null)
        {
            return;
        }

        // Outside the stripe locks: a session hands itself over under its own lock, and removes itself from here.
        foreach (var entry in near)
        {
            entry.DeadlineNear();
        }
    }

    /// <summary>Slots with a free list: add and remove are O(1) and allocate only when the table grows.</summary>
    private sealed class Stripe
    {
        private readonly Lock _lock = new();
        private ISweptDeadline?[] _slots = new ISweptDeadline?[16];
        private int[] _free = new int[16];
        private int _freeCount;
        private int _used; // slots [0, _used) have been handed out at least once
        private int _count;

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _count;
                }
            }
        }

        public int Add(ISweptDeadline entry)
        {
            lock (_lock)
            {
                int slot;
                if (_freeCount > 0)
                {
                    slot = _free[--_freeCount];
                }
                else
                {
                    if (_used == _slots.Length)
                    {
                        Array.Resize(ref _slots, _slots.Length * 2);
                        Array.Resize(ref _free, _slots.Length);
                    }

                    slot = _used++;
                }

                _slots[slot] = entry;
                _count++;
                return slot;
            }
        }

        public void Remove(int slot)
        {
            lock (_lock)
            {
                if (_slots[slot] is null)
                {
                    return;
                }

                _slots[slot] = null;
                _free[_freeCount++] = slot;
                _count--;
            }
        }

        /// <summary>Adds to <paramref name="near"/> the entries due before <paramref name="horizon"/>; returns how many wait in all.</summary>
        public int Collect(long horizon, ref List<ISweptDeadline>? near)
        {
            lock (_lock)
            {
                for (var i = 0; i < _used; i++)
                {
                    if (_slots[i] is { } entry && entry.Deadline < horizon)
                    {
                        (near ??= []).Add(entry);
                    }
                }

                return _count;
            }
        }
    }
}
