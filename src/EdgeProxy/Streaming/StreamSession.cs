using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.Streaming;

/// <summary>
/// One proxied exchange under a stream policy. It wraps the route's transformer (to see the response
/// headers: detect streams, remove X-Accel-Buffering, send SSE/NDJSON headers at once) and enforces the
/// idle limit, the total limit and MaxDuration of the policy currently in force, and sends SSE heartbeats.
/// While its nearest deadline is far it waits in the shared <see cref="DeadlineSweep"/>; once it is near
/// (or from the start, for short limits and heartbeats) one timer of its own fires it. When the timer ends
/// the exchange it cancels the token handed to YARP. Its callbacks, YARP's thread and the sweep meet under
/// <c>lock (this)</c>: the session is internal, nothing else locks it, and a lock object would cost every request.
/// </summary>
internal sealed partial class StreamSession : HttpTransformer, ISweptDeadline, IDisposable
{
    /// <summary>YARP's ActivityTimeout when a cluster sets none.</summary>
    public static readonly TimeSpan YarpDefaultActivityTimeout = TimeSpan.FromSeconds(100);

    /// <summary>How long the peers get to finish the close handshake after the proxy's close frame.</summary>
    public static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private const string AccelBuffering = "X-Accel-Buffering";

    private readonly HttpContext _context;
    private readonly StreamingSettings _settings;
    private readonly StreamMode _mode;
    private readonly HttpTransformer _inner;
    private readonly TimeSpan _clusterIdle;
    private readonly string _routeId;
    private readonly ILogger _logger;
    private readonly Observability.EdgeProxyMetrics? _metrics;
    private readonly DeadlineSweep _sweep;
    private readonly CancellationTokenSource _cts = CancellationSources.Shared.Rent(); // back to the pool after an ordinary exchange
    private readonly long _started = Environment.TickCount64;
    private StreamPolicy _policy;
    private long _idleMs;
    private long _totalDeadline;
    private long _maxDeadline;
    private long _heartbeatMs;
    private long _lastActivity;
    private long _lastHeartbeat;
    private ITimer? _timer; // TimeProvider's timer: no finalizer, unlike System.Threading.Timer; only once a deadline is near
    private int _sweepHandle = -1; // waiting in the sweep while >= 0
    private ExecutionContext? _requestContext; // the timer runs in it even when the sweep creates it: its log events keep the request's trace id
    private bool _running;
    private ResponseBody? _body;
    private WebSocketRelayStream? _webSocket;
    private CancellationToken _stopping;
    private CancellationTokenRegistration _callerRegistration;
    private CancellationTokenRegistration _stoppingRegistration;
    private StreamEnd _end;
    private bool _disposed;
    private bool _released;
    private long _bytesFromClient;
    private long _bytesToClient;
    private long _firstByteToClient;
    private IHttpResponseBodyFeature? _originalBody;
    private Stream? _originalRequestBody;
    private IHttpUpgradeFeature? _originalUpgrade;
    private IHttpExtendedConnectFeature? _originalConnect;

    public StreamSession(HttpContext context, StreamingSettings settings, StreamMode mode, HttpTransformer inner, TimeSpan? clusterActivityTimeout, string routeId, DeadlineSweep sweep, ILogger logger, Observability.EdgeProxyMetrics? metrics = null)
    {
        _metrics = metrics;
        _sweep = sweep;
        _context = context;
        _settings = settings;
        _mode = mode;
        _inner = inner;
        _clusterIdle = clusterActivityTimeout ?? YarpDefaultActivityTimeout;
        _routeId = routeId;
        _logger = logger;
        _lastActivity = _started;
        _policy = settings.ForRoute(mode);
        ApplyLimits(_policy, total: true);
    }

    public CancellationToken Token => _cts.Token;

    public HttpContext Context => _context;

    public string RouteId => _routeId;

    public StreamPolicy Policy => _policy;

    public StreamEnd End => _end;

    public void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

    /// <summary>Bytes read from the client (request body or upgraded stream); the wrappers all sit on the client side.</summary>
    public void Received(int count) => Interlocked.Add(ref _bytesFromClient, count);

    /// <summary>Bytes written to the client (response body or upgraded stream).</summary>
    public void Sent(int count)
    {
        if (count > 0 && Volatile.Read(ref _firstByteToClient) == 0)
        {
            Interlocked.CompareExchange(ref _firstByteToClient, Environment.TickCount64, 0);
        }

        Interlocked.Add(ref _bytesToClient, count);
    }

    public long BytesFromClient => Interlocked.Read(ref _bytesFromClient);

    public long BytesToClient => Interlocked.Read(ref _bytesToClient);

    public TimeSpan Elapsed => TimeSpan.FromMilliseconds(Environment.TickCount64 - _started);

    /// <summary>Time from the start of the exchange to the first byte sent to the client, if any was sent.</summary>
    public TimeSpan? TimeToFirstByte => Volatile.Read(ref _firstByteToClient) is var first and > 0 ? TimeSpan.FromMilliseconds(first - _started) : null;

    /// <summary>True once the exchange runs under a stream policy (declared by the route or detected from the response).</summary>
    public bool IsStream => _policy.IsStream;

    /// <summary>Whether the exchange became a stream (at start for declared routes, at the response headers for Auto); counted once.</summary>
    public bool WasOpened { get; private set; }

    private void NotifyOpened(StreamPolicy policy)
    {
        if (!WasOpened && policy.IsStream)
        {
            WasOpened = true;
            _metrics?.StreamOpened(_routeId, policy.Name);
        }
    }

    /// <summary>Installs the wrappers and starts enforcing the limits. False when the declared body is already too large.</summary>
    public bool Start(CancellationToken callerToken, CancellationToken stopping)
    {
        _stopping = stopping;
        var features = _context.Features;
        var limit = _policy.MaxRequestBodySize;
        if (features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        if (limit is { } max && _context.Request.ContentLength > max)
        {
            return false;
        }

        var bodyFeature = features.Get<IHttpResponseBodyFeature>()!;
        _originalBody = bodyFeature;
        _body = new ResponseBody(bodyFeature, this);
        features.Set<IHttpResponseBodyFeature>(_body);

        if (features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            _originalRequestBody = _context.Request.Body;
            _context.Request.Body = new ActivityStream(_originalRequestBody, this, ownsInner: false);
        }

        if (features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
        {
            _originalUpgrade = upgrade;
            features.Set<IHttpUpgradeFeature>(new TrackedUpgradeFeature(upgrade, this));
        }

        if (features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
        {
            _originalConnect = connect;
            features.Set<IHttpExtendedConnectFeature>(new TrackedExtendedConnectFeature(connect, this));
        }

        if (callerToken.CanBeCanceled)
        {
            _callerRegistration = callerToken.UnsafeRegister(static s => ((StreamSession)s!).Cancel(), this);
        }

        _requestContext = ExecutionContext.Capture();
        lock (this)
        {
            _running = true;
            Schedule(Environment.TickCount64);
        }

        NotifyOpened(_policy);
        return true;
    }

    public Stream WrapUpgraded(Stream upgraded)
    {
        if (!IsWebSocketRequest())
        {
            return new ActivityStream(upgraded, this, ownsInner: true); // another upgrade protocol: bytes only
        }

        var policy = _settings.WebSocketPolicy;
        var relay = new WebSocketRelayStream(upgraded, this, consumePongs: policy.Heartbeat is not null);
        lock (this)
        {
            _webSocket = relay;
            if (_running && !_disposed)
            {
                Schedule(Environment.TickCount64);
            }
        }

        _stoppingRegistration = _stopping.UnsafeRegister(static s => ((StreamSession)s!).OnShutdown(), this);
        return relay;
    }

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken) =>
        _inner.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);

    public override ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken) =>
        _inner.TransformResponseTrailersAsync(httpContext, proxyResponse, cancellationToken);

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var proceed = await _inner.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is null)
        {
            return proceed;
        }

        Touch();
        var response = httpContext.Response;
        var accel = response.Headers[AccelBuffering];
        if (accel.Count > 0)
        {
            response.Headers.Remove(AccelBuffering); // nginx's signal to its proxy, not to the client
        }

        var (stream, headersAtOnce, eventStream) = Classify(response, accel.ToString());
        if (stream is not null && !ReferenceEquals(stream, _policy))
        {
            SwitchTo(stream);
        }

        if (stream is not null)
        {
            // Streams are exempt from total timeouts, including a YARP route Timeout on an Auto route.
            httpContext.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
        }

        if (proceed && headersAtOnce)
        {
            if (eventStream && ReferenceEquals(stream, _settings.SsePolicy) && stream.Heartbeat is not null)
            {
                _body!.EnableSseHeartbeats();
            }

            // Plain YARP sends the headers with the first body byte; an EventSource would not see "open" until then.
            await response.StartAsync(cancellationToken);
            await _body!.FlushAsync(cancellationToken);
        }

        return proceed;
    }

    /// <summary>After YARP returns: turns our own timeouts into 504 when nothing was sent yet.</summary>
    public ForwarderError Complete(ForwarderError error)
    {
        lock (this)
        {
            Stop();
        }

        if (error == ForwarderError.RequestCanceled && !_context.Response.HasStarted
            && _context.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true)
        {
            // A YARP route Timeout (ASP.NET Core request timeouts) cancels RequestAborted, which YARP takes for a
            // client that went away and answers 400. It is the upstream that was too slow: 504, like our own limits.
            var limit = _context.GetEndpoint()?.Metadata.GetMetadata<RequestTimeoutAttribute>()?.Timeout;
            return TimedOut($"route Timeout {limit}");
        }

        if (_end is StreamEnd.IdleTimeout or StreamEnd.RequestTimeout && !_context.Response.HasStarted)
        {
            return TimedOut((_end == StreamEnd.IdleTimeout ? $"no response for {TimeSpan.FromMilliseconds(_idleMs)}" : $"RequestTimeout {_policy.RequestTimeout}") + $" ({_policy.Name} policy)");
        }

        return error;
    }

    /// <summary>
    /// After a try that failed before the response began: the request's own body and features again, so the
    /// next try (Retries) wraps the originals instead of this finished session's wrappers.
    /// </summary>
    public void Restore()
    {
        var features = _context.Features;
        if (_originalBody is not null)
        {
            features.Set(_originalBody);
        }

        if (_originalRequestBody is not null)
        {
            _context.Request.Body = _originalRequestBody;
        }

        if (_originalUpgrade is not null)
        {
            features.Set(_originalUpgrade);
        }

        if (_originalConnect is not null)
        {
            features.Set(_originalConnect);
        }
    }

    private ForwarderError TimedOut(string limit)
    {
        _context.Response.Clear();
        _context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        _context.Features.Set<IForwarderErrorFeature>(new StreamingErrorFeature(ForwarderError.RequestTimedOut, new TimeoutException($"Route '{_routeId}': {limit}")));
        return ForwarderError.RequestTimedOut;
    }

    public void Dispose()
    {
        bool reusable;
        lock (this)
        {
            if (_released)
            {
                return; // twice would pool the same source twice
            }

            _released = true;
            Stop();

            // Nothing of ours holds the token after an ordinary exchange; a WebSocket close or an SSE heartbeat
            // may still be writing with it, and a cancelled source cannot be reset anyway.
            reusable = _webSocket is null && _lastHeartbeat == 0 && _end == StreamEnd.None;
        }

        _stoppingRegistration.Dispose();
        _callerRegistration.Dispose();
        if (reusable)
        {
            CancellationSources.Shared.Return(_cts);
        }
        else
        {
            _cts.Dispose();
        }
    }

    private (StreamPolicy? Policy, bool HeadersAtOnce, bool EventStream) Classify(HttpResponse response, string accel)
    {
        var status = response.StatusCode;
        var upgraded = status == StatusCodes.Status101SwitchingProtocols
            || (status == StatusCodes.Status200OK && _context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true);
        if (upgraded)
        {
            return (_settings.WebSocketPolicy, false, false);
        }

        var kind = ContentKind(response.ContentType);
        var hasBody = status is >= 200 and not 204 and not 304 && !HttpMethods.IsHead(_context.Request.Method);
        var accelNo = string.Equals(accel, "no", StringComparison.OrdinalIgnoreCase);
        var accelYes = string.Equals(accel, "yes", StringComparison.OrdinalIgnoreCase);

        var policy = _mode switch
        {
            StreamMode.Sse => _settings.SsePolicy,
            StreamMode.Ndjson => _settings.NdjsonPolicy,
            StreamMode.WebSocket => _settings.WebSocketPolicy,
            StreamMode.Buffered => accelNo ? PolicyFor(kind) : null,
            _ => accelYes ? null : kind != Kind.None || accelNo ? PolicyFor(kind) : null,
        };

        var headersAtOnce = policy is not null && hasBody && status < 300 && (kind is Kind.Sse or Kind.Ndjson || _mode is StreamMode.Sse or StreamMode.Ndjson || accelNo);
        return (policy, headersAtOnce, kind == Kind.Sse);
    }

    private StreamPolicy PolicyFor(Kind kind) => kind == Kind.Sse ? _settings.SsePolicy : _settings.NdjsonPolicy;

    private static Kind ContentKind(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return Kind.None;
        }

        var media = contentType.AsSpan();
        var semicolon = media.IndexOf(';');
        media = (semicolon >= 0 ? media[..semicolon] : media).Trim();
        if (media.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            return Kind.Sse;
        }

        if (media.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/jsonl", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/json-seq", StringComparison.OrdinalIgnoreCase))
        {
            return Kind.Ndjson;
        }

        return media.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) ? Kind.Grpc : Kind.None;
    }

    private void SwitchTo(StreamPolicy policy)
    {
        lock (this)
        {
            _policy = policy;
            ApplyLimits(policy, total: false);
            if (_running && !_disposed)
            {
                Schedule(Environment.TickCount64);
            }
        }

        Log.StreamDetected(_logger, _routeId, policy.Name);
        NotifyOpened(policy);
    }

    private void ApplyLimits(StreamPolicy policy, bool total)
    {
        _idleMs = (long)(policy.IdleTimeout ?? _clusterIdle).TotalMilliseconds;
        _totalDeadline = total && policy.RequestTimeout is { } t ? _started + (long)t.TotalMilliseconds : long.MaxValue;
        _maxDeadline = policy.MaxDuration is { } m ? _started + (long)m.TotalMilliseconds : long.MaxValue;
        _heartbeatMs = policy.Heartbeat is { } h && (ReferenceEquals(policy, _settings.SsePolicy) || ReferenceEquals(policy, _settings.WebSocketPolicy)) ? (long)h.TotalMilliseconds : 0;
    }

    /// <summary>The nearest of the idle limit, the total limits and the next heartbeat (TickCount64 ms).</summary>
    public long Deadline
    {
        get
        {
            var due = Math.Min(Math.Min(Volatile.Read(ref _lastActivity) + Volatile.Read(ref _idleMs), Volatile.Read(ref _totalDeadline)), Volatile.Read(ref _maxDeadline));
            return Volatile.Read(ref _heartbeatMs) is > 0 and var heartbeat ? Math.Min(due, Math.Max(LastUpstreamWrite, _lastHeartbeat) + heartbeat) : due;
        }
    }

    private TimeSpan DueIn(long now) => TimeSpan.FromMilliseconds(Math.Clamp(Deadline - now, 1, int.MaxValue - 1));

    /// <summary>Under the lock: a far deadline waits in the sweep (no timer yet); a near one gets this session's timer.</summary>
    private void Schedule(long now)
    {
        var due = DueIn(now);
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
            _timer = TimeProvider.System.CreateTimer(static s => ((StreamSession)s!).OnTimer(), this, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>From the sweep's tick: the deadline came near, so this session takes a timer of its own.</summary>
    public void DeadlineNear()
    {
        lock (this)
        {
            if (_disposed || _sweepHandle < 0)
            {
                return; // ended, or already handed over
            }

            // Schedule leaves it in the sweep if activity pushed the deadline out again.
            if (_requestContext is { } context)
            {
                ExecutionContext.Run(context, static s => ((StreamSession)s!).Schedule(Environment.TickCount64), this);
            }
            else
            {
                Schedule(Environment.TickCount64);
            }
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

    /// <summary>Under the lock: no timer and no sweep entry survive the exchange.</summary>
    private void Stop()
    {
        _disposed = true;
        _timer?.Dispose();
        LeaveSweep();
    }

    private void OnTimer()
    {
        StreamEnd end;
        var heartbeat = false;
        lock (this)
        {
            if (_disposed || _end != StreamEnd.None)
            {
                return;
            }

            var now = Environment.TickCount64;
            end = now >= _maxDeadline ? StreamEnd.MaxDuration
                : now >= _totalDeadline ? StreamEnd.RequestTimeout
                : now - Volatile.Read(ref _lastActivity) >= _idleMs ? StreamEnd.IdleTimeout
                : StreamEnd.None;
            if (end == StreamEnd.None)
            {
                if (_heartbeatMs > 0 && (_webSocket is not null || _context.Response.HasStarted) && now - Math.Max(LastUpstreamWrite, _lastHeartbeat) >= _heartbeatMs)
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
            _ = HeartbeatAsync();
            return;
        }

        if (end != StreamEnd.None)
        {
            // Before the response starts, the error page answers 504 and logs the failure; this line is its detail.
            var level = _webSocket is not null || _context.Response.HasStarted ? LogLevel.Information : LogLevel.Debug;
            var (reason, elapsed) = (end.ToString(), TimeSpan.FromMilliseconds(Environment.TickCount64 - _started)); // once per ended exchange
            Log.Ended(_logger, level, _routeId, _policy.Name, reason, elapsed);

            if (end == StreamEnd.MaxDuration && _webSocket is not null)
            {
                _ = CloseWebSocketAsync($"maximum duration {_policy.MaxDuration} reached");
            }
            else
            {
                Cancel();
            }
        }
    }

    /// <summary>Cancels the exchange unless YARP already returned (the timer and callbacks race with Dispose).</summary>
    private void Cancel()
    {
        lock (this)
        {
            if (!_disposed)
            {
                _cts.Cancel();
            }
        }
    }

    private long LastUpstreamWrite => _webSocket?.LastWrite ?? _body!.LastWrite;

    private bool IsWebSocketRequest()
    {
        var connect = _context.Features.Get<IHttpExtendedConnectFeature>();
        return connect?.IsExtendedConnect == true
            ? string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase)
            : string.Equals(_context.Request.Headers.Upgrade.ToString(), "websocket", StringComparison.OrdinalIgnoreCase);
    }

    private void OnShutdown()
    {
        lock (this)
        {
            if (_disposed || _end != StreamEnd.None)
            {
                return;
            }

            _end = StreamEnd.Shutdown;
        }

        _ = CloseWebSocketAsync("EdgeProxy is shutting down");
    }

    /// <summary>A 1001 close frame to the client, then the peers get <see cref="CloseGrace"/> to finish the handshake.</summary>
    private async Task CloseWebSocketAsync(string reason)
    {
        var sent = false;
        try
        {
            sent = await _webSocket!.CloseAsync(1001, reason, CloseGrace, _cts.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is already gone.
        }

        Log.WebSocketClosed(_logger, _routeId, sent ? "sent close 1001 to the client" : "dropped the connection (no frame boundary)", reason);
        lock (this)
        {
            if (_disposed)
            {
                return;
            }

            if (sent)
            {
                _cts.CancelAfter(CloseGrace);
            }
            else
            {
                _cts.Cancel();
            }
        }
    }

    private async Task HeartbeatAsync()
    {
        try
        {
            if (_webSocket is { } socket)
            {
                await socket.TryPingAsync(_cts.Token);
                return;
            }

            await _body!.TryHeartbeatAsync(_cts.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away between two events; YARP's own copy loop sees and reports it.
        }
    }

    private enum Kind
    {
        None,
        Sse,
        Ndjson,
        Grpc,
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.StreamDetected, LogLevel.Debug, "Route {RouteId}: response is a stream, {Policy} policy applies")]
        public static partial void StreamDetected(ILogger logger, string routeId, string policy);

        [LoggerMessage(EventIds.WebSocketClosedByProxy, LogLevel.Information, "Route {RouteId}: WebSocket {Action}: {Reason}")]
        public static partial void WebSocketClosed(ILogger logger, string routeId, string action, string reason);

        [LoggerMessage(EventId = EventIds.StreamEnded, Message = "Route {RouteId}: proxy ended the exchange ({Policy} policy): {Reason} after {Elapsed}")]
        public static partial void Ended(ILogger logger, LogLevel level, string routeId, string policy, string reason, TimeSpan elapsed);
    }
}
