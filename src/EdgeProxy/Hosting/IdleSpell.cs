namespace EdgeProxy.Hosting;

/// <summary>
/// When to return memory, apart from the clock and the runtime: fed the process's allocation total at each check, it
/// answers true once a busy spell (<see cref="BusyBytes"/> allocated since the last return) has been followed by
/// idle checks (under <see cref="IdleBytesPerSecond"/>) for the configured time.
/// </summary>
internal sealed class IdleSpell(long allocated, TimeSpan now)
{
    /// <summary>An idle proxy allocates about 40 KB/s (configuration and certificate polls, the status sampler); a few requests a second stay under this too.</summary>
    public const long IdleBytesPerSecond = 256 * 1024;

    /// <summary>Some 6,000 requests at ~5.5 KB each: less traffic than that grows nothing worth a full collection.</summary>
    public const long BusyBytes = 32L * 1024 * 1024;

    private long _lastAllocated = allocated;
    private TimeSpan _lastAt = now;
    private TimeSpan _idleSince = now;
    private long _sinceReturn;

    /// <summary>Records the allocation total at <paramref name="now"/>; true means return memory now (and the count starts again).</summary>
    public bool Observe(long allocated, TimeSpan now, TimeSpan returnAfterIdle)
    {
        var delta = Math.Max(0, allocated - _lastAllocated);
        var seconds = (now - _lastAt).TotalSeconds;
        _lastAllocated = allocated;
        _lastAt = now;
        _sinceReturn += delta;
        if (seconds <= 0 || delta > IdleBytesPerSecond * seconds)
        {
            _idleSince = now; // busy during this check: the idle time counts from its end
            return false;
        }

        if (returnAfterIdle <= TimeSpan.Zero || _sinceReturn < BusyBytes || now - _idleSince < returnAfterIdle)
        {
            return false;
        }

        _sinceReturn = 0;
        return true;
    }
}
