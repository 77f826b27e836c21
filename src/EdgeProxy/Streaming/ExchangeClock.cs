namespace EdgeProxy.Streaming;

/// <summary>
/// The millisecond clock and the timers of every stream limit, from one <see cref="TimeProvider"/> (tests pass a
/// fake one). With the system provider "now" is <see cref="Environment.TickCount64"/>: it is read on every body
/// read and write, and the coarse clock is cheaper than a Stopwatch read while just as monotonic.
/// </summary>
internal sealed class ExchangeClock
{
    private readonly bool _system;
    private readonly long _ticksPerMillisecond;

    public ExchangeClock(TimeProvider time)
    {
        Time = time;
        _system = ReferenceEquals(time, TimeProvider.System);
        _ticksPerMillisecond = Math.Max(1, time.TimestampFrequency / 1000);
    }

    public static ExchangeClock System { get; } = new(TimeProvider.System);

    public TimeProvider Time { get; }

    /// <summary>Monotonic milliseconds (arbitrary origin).</summary>
    public long Now => _system ? Environment.TickCount64 : Time.GetTimestamp() / _ticksPerMillisecond;
}
