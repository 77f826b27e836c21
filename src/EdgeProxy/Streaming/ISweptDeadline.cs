namespace EdgeProxy.Streaming;

/// <summary>Something that waits in a <see cref="DeadlineSweep"/> until its deadline comes near.</summary>
internal interface ISweptDeadline
{
    /// <summary>The nearest deadline, in <see cref="ExchangeClock.Now"/> milliseconds of the sweep's clock; read without a lock, so it may be a moment stale.</summary>
    long Deadline { get; }

    /// <summary>Called once the deadline is within the sweep's threshold: take a timer of your own, and leave the sweep.</summary>
    void DeadlineNear();
}
