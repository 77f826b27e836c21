using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.Streaming;

/// <summary>
/// Every limit of one proxied exchange, in one place: the idle limit, the total RequestTimeout of ordinary requests,
/// MaxDuration, and when the next heartbeat is due. It owns the token handed to YARP and cancels it when a limit ends
/// the exchange. While its nearest deadline is far (every ordinary request: 100 s) it waits in the shared
/// <see cref="DeadlineSweep"/> and owns no timer; once the deadline is near, one timer of its own, created in the
/// request's execution context (so the "proxy ended the exchange" event keeps the request's trace id), fires it on time.
/// YARP's own ActivityTimeout stays armed as a backstop above these limits (<see cref="StreamingSettings.Backstop"/>);
/// a route's YARP <c>Timeout</c> is ASP.NET Core's request timeout, which YARP requires for that field.
/// </summary>
internal sealed class ExchangeLimits : ISweptDeadline
{
    /// <summary>YARP's ActivityTimeout when a cluster sets none.</summary>
    public static readonly TimeSpan YarpDefaultActivityTimeout = TimeSpan.FromSeconds(100);

    private readonly Lock _lock = new(); // the timer, the sweep, YARP's thread and the exchange's callbacks meet here
    private readonly IExchangeLimitsOwner _owner;
    private readonly ExchangeClock _clock;
    private readonly DeadlineSweep _sweep;
    private readonly TimeSpan _clusterIdle;
    private readonly CancellationTokenSource _cts = CancellationSources.Shared.Rent(); // back to the pool after an ordinary exchange
    private long _idleMs;
    private long _totalDeadline;
    private long _maxDeadline;
    private long _heartbeatMs;
    private long _lastActivity;
    private long _lastHeartbeat;
    private ITimer? _timer; // only once a deadline is near
    private int _sweepHandle = -1; // waiting in the sweep while >= 0
    private ExecutionContext? _requestContext;
    private bool _running;
    private bool _stopped;
    private bool _released;
    private StreamEnd _end;

    public ExchangeLimits(IExchangeLimitsOwner owner, ExchangeClock clock, DeadlineSweep sweep, TimeSpan? clusterActivityTimeout, StreamPolicy policy)
    {
        _owner = owner;
        _clock = clock;
        _sweep = sweep;
        _clusterIdle = clusterActivityTimeout ?? YarpDefaultActivityTimeout;
        Started = _lastActivity = clock.Now;
        Apply(policy, total: true);
    }

    /// <summary>Cancelled when a limit ends the exchange; YARP forwards under it.</summary>
    public CancellationToken Token => _cts.Token;

    public long Started { get; }

    public StreamEnd End => _end;

    /// <summary>The idle limit in force (the policy's, else the cluster's ActivityTimeout).</summary>
    public TimeSpan IdleLimit => TimeSpan.FromMilliseconds(Volatile.Read(ref _idleMs));

    /// <summary>Whether a heartbeat was ever sent (its write may still hold the token).</summary>
    public bool HeartbeatSent => Volatile.Read(ref _lastHeartbeat) != 0;

    /// <summary>The nearest of the idle limit, the total limits and the next heartbeat (<see cref="ExchangeClock.Now"/> ms).</summary>
    public long Deadline
    {
        get
        {
            var due = Math.Min(Math.Min(Volatile.Read(ref _lastActivity) + Volatile.Read(ref _idleMs), Volatile.Read(ref _totalDeadline)), Volatile.Read(ref _maxDeadline));
            return Volatile.Read(ref _heartbeatMs) is > 0 and var heartbeat ? Math.Min(due, Math.Max(_owner.LastUpstreamWrite, Volatile.Read(ref _lastHeartbeat)) + heartbeat) : due;
        }
    }

    /// <summary>Bytes moved in either direction: the idle limit starts again.</summary>
    public void Touch() => Volatile.Write(ref _lastActivity, _clock.Now);

    /// <summary>Starts enforcing; the timer (if any) will run in the caller's execution context.</summary>
    public void Start()
    {
        _requestContext = ExecutionContext.Capture();
        lock (_lock)
        {
            _running = true;
            Schedule(_clock.Now);
        }
    }

    /// <summary>The response turned the exchange into a stream: its policy's limits from now on, with no total limit.</summary>
    public void Switch(StreamPolicy policy)
    {
        lock (_lock)
        {
            Apply(policy, total: false);
            if (_running && !_stopped)
            {
                Schedule(_clock.Now);
            }
        }
    }

    /// <summary>Something that moves a deadline changed (a WebSocket attached, heartbeats began): schedule again.</summary>
    public void Reschedule()
    {
        lock (_lock)
        {
            if (_running && !_stopped)
            {
                Schedule(_clock.Now);
            }
        }
    }

    /// <summary>
    /// After YARP returned without a response: which time limit ended the exchange, in words for the 504, or null when
    /// none did. A route's YARP <c>Timeout</c> (ASP.NET Core's request timeout) cancels RequestAborted, which YARP takes
    /// for a client that left; its token tells the two apart.
    /// </summary>
    public string? TimedOutBy(HttpContext context, StreamPolicy policy, ForwarderError error)
    {
        if (error == ForwarderError.RequestCanceled && context.Features.Find<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true)
        {
            return $"route Timeout {context.GetEndpoint()?.Metadata.GetMetadata<RequestTimeoutAttribute>()?.Timeout}";
        }

        return _end switch
        {
            StreamEnd.IdleTimeout => $"no response for {IdleLimit} ({policy.Name} policy)",
            StreamEnd.RequestTimeout => $"RequestTimeout {policy.RequestTimeout} ({policy.Name} policy)",
            _ => null,
        };
    }

    /// <summary>Records an end that is not a limit (shutdown); false when the exchange is over or already ending.</summary>
    public bool TryEnd(StreamEnd end)
    {
        lock (_lock)
        {
            if (_stopped || _end != StreamEnd.None)
            {
                return false;
            }

            _end = end;
            return true;
        }
    }

    /// <summary>Cancels the exchange unless YARP already returned (timers and callbacks race with <see cref="Stop"/>).</summary>
    public void Cancel() => CancelAfter(TimeSpan.Zero);

    public void CancelAfter(TimeSpan delay)
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            if (delay <= TimeSpan.Zero)
            {
                _cts.Cancel();
            }
            else
            {
                _cts.CancelAfter(delay);
            }
        }
    }

    /// <summary>YARP returned: no timer and no sweep entry survive the exchange, and nothing cancels it any more.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _stopped = true;
            _timer?.Dispose();
            LeaveSweep();
        }
    }

    /// <summary>
    /// Once per exchange, after <see cref="Stop"/>: the token's source goes back to the pool when nothing can still
    /// hold it (<paramref name="tokenMayBeInUse"/>: a WebSocket close may still be writing with it), else it is disposed.
    /// </summary>
    public void Release(bool tokenMayBeInUse)
    {
        bool reusable;
        lock (_lock)
        {
            if (_released)
            {
                return; // twice would pool the same source twice
            }

            _released = true;
            _stopped = true;
            _timer?.Dispose();
            LeaveSweep();

            // A cancelled source cannot be reset, and a heartbeat's write may still hold the token.
            reusable = !tokenMayBeInUse && _lastHeartbeat == 0 && _end == StreamEnd.None;
        }

        if (reusable)
        {
            CancellationSources.Shared.Return(_cts);
        }
        else
        {
            _cts.Dispose();
        }
    }

    /// <summary>From the sweep's tick: the deadline came near, so this exchange takes a timer of its own.</summary>
    public void DeadlineNear()
    {
        lock (_lock)
        {
            if (_stopped || _sweepHandle < 0)
            {
                return; // ended, or already handed over
            }

            // Schedule leaves it in the sweep if activity pushed the deadline out again.
            if (_requestContext is { } context)
            {
                ExecutionContext.Run(context, static s => { var self = (ExchangeLimits)s!; self.Schedule(self._clock.Now); }, this);
            }
            else
            {
                Schedule(_clock.Now);
            }
        }
    }

    private void Apply(StreamPolicy policy, bool total)
    {
        _idleMs = (long)(policy.IdleTimeout ?? _clusterIdle).TotalMilliseconds;
        _totalDeadline = total && policy.RequestTimeout is { } t ? Started + (long)t.TotalMilliseconds : long.MaxValue;
        _maxDeadline = policy.MaxDuration is { } m ? Started + (long)m.TotalMilliseconds : long.MaxValue;
        _heartbeatMs = policy.EffectiveHeartbeat is { } h ? (long)h.TotalMilliseconds : 0;
    }

    /// <summary>Under the lock: a far deadline waits in the sweep (no timer yet); a near one gets this exchange's timer.</summary>
    private void Schedule(long now)
    {
        var due = TimeSpan.FromMilliseconds(Math.Clamp(Deadline - now, 1, int.MaxValue - 1));
        if (_timer is null && due >= _sweep.Threshold)
        {
            if (_sweepHandle < 0)
            {
                _sweepHandle = _sweep.Add(this);
            }

            return;
        }

        LeaveSweep();
        if (_timer is null)
        {
            // Created armed (one timer-queue lock less than arming it after); OnTimer waits for the lock, so _timer is set first.
            _timer = _clock.Time.CreateTimer(static s => ((ExchangeLimits)s!).OnTimer(), this, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private void LeaveSweep()
    {
        if (_sweepHandle >= 0)
        {
            _sweep.Remove(_sweepHandle);
            _sweepHandle = -1;
        }
    }

    private void OnTimer()
    {
        StreamEnd end;
        var heartbeat = false;
        lock (_lock)
        {
            if (_stopped || _end != StreamEnd.None)
            {
                return;
            }

            var now = _clock.Now;
            end = now >= _maxDeadline ? StreamEnd.MaxDuration
                : now >= _totalDeadline ? StreamEnd.RequestTimeout
                : now - Volatile.Read(ref _lastActivity) >= _idleMs ? StreamEnd.IdleTimeout
                : StreamEnd.None;
            if (end == StreamEnd.None)
            {
                if (_heartbeatMs > 0 && _owner.CanHeartbeat && now - Math.Max(_owner.LastUpstreamWrite, _lastHeartbeat) >= _heartbeatMs)
                {
                    _lastHeartbeat = now;
                    heartbeat = true;
                }

                Schedule(now);
            }
            else
            {
                _end = end;
            }
        }

        if (heartbeat)
        {
            _owner.HeartbeatDue();
        }
        else if (end != StreamEnd.None)
        {
            _owner.LimitReached(end);
        }
    }
}
