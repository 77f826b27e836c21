namespace EdgeProxy.Streaming;

/// <summary>What <see cref="ExchangeLimits"/> needs from the exchange it limits: when the upstream last wrote, and what to do when a limit or a heartbeat is due.</summary>
internal interface IExchangeLimitsOwner
{
    /// <summary>When the upstream last wrote to the client (<see cref="ExchangeClock.Now"/> ms): heartbeats fill silence, not traffic.</summary>
    long LastUpstreamWrite { get; }

    /// <summary>Whether a heartbeat can be sent now (the response has started, or the connection was upgraded).</summary>
    bool CanHeartbeat { get; }

    /// <summary>A heartbeat is due; called outside the limits' lock.</summary>
    void HeartbeatDue();

    /// <summary>A limit ended the exchange (recorded in <see cref="ExchangeLimits.End"/>); called outside the lock, once.</summary>
    void LimitReached(StreamEnd end);
}
