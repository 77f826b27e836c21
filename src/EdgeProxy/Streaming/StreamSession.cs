using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.Streaming;

/// <summary>
/// One proxied exchange under its route's stream policy. It wraps the route's transformer to see the response
/// headers (<see cref="StreamClassifier"/> decides whether they make a stream; X-Accel-Buffering is removed; SSE and
/// NDJSON headers go out at once), wraps the bodies and upgraded streams so every byte counts as activity
/// (<see cref="ExchangeCounters"/>), and leaves every time limit to its <see cref="ExchangeLimits"/>, which calls back
/// here when a heartbeat is due (<see cref="StreamHeartbeats"/>) or a limit ends the exchange.
/// </summary>
internal sealed partial class StreamSession : HttpTransformer, IExchangeLimitsOwner, IDisposable
{
    private const string AccelBuffering = "X-Accel-Buffering";

    private readonly HttpContext _context;
    private readonly StreamingSettings _settings;
    private readonly StreamPolicy _routePolicy;
    private readonly HttpTransformer _inner;
    private readonly string _routeId;
    private readonly ILogger _logger;
    private readonly Observability.EdgeProxyMetrics? _metrics;
    private readonly ExchangeClock _clock;
    private readonly ExchangeLimits _limits;
    private ExchangeCounters _counters; // a mutable struct: never copy it
    private StreamPolicy _policy;
    private ResponseBody? _body;
    private volatile WebSocketRelayStream? _webSocket;
    private CancellationToken _stopping;
    private CancellationTokenRegistration _callerRegistration;
    private CancellationTokenRegistration _stoppingRegistration;
    private OriginalFeatures _originals; // a mutable struct: never copy it

    public StreamSession(HttpContext context, StreamingSettings settings, StreamPolicy routePolicy, HttpTransformer inner, TimeSpan? clusterActivityTimeout, string routeId, ExchangeClock clock, DeadlineSweep sweep, ILogger logger, Observability.EdgeProxyMetrics? metrics = null)
    {
        _context = context;
        _settings = settings;
        _routePolicy = _policy = routePolicy;
        _inner = inner;
        _routeId = routeId;
        _clock = clock;
        _logger = logger;
        _metrics = metrics;
        _limits = new ExchangeLimits(this, clock, sweep, clusterActivityTimeout, routePolicy);
    }

    public CancellationToken Token => _limits.Token;

    public HttpContext Context => _context;

    public string RouteId => _routeId;

    /// <summary>The policy in force: the route's, or the stream policy the response switched it to.</summary>
    public StreamPolicy Policy => _policy;

    public StreamEnd End => _limits.End;

    /// <summary>The exchange's clock (milliseconds); body wrappers stamp their writes with it.</summary>
    public long Now => _clock.Now;

    public void Touch() => _limits.Touch();

    /// <summary>Bytes read from the client (request body or upgraded stream); the wrappers all sit on the client side.</summary>
    public void Received(int count) => _counters.Received(count);

    /// <summary>Bytes written to the client (response body or upgraded stream).</summary>
    public void Sent(int count) => _counters.Sent(count, _clock.Now);

    public long BytesFromClient => _counters.BytesFromClient;

    public long BytesToClient => _counters.BytesToClient;

    public TimeSpan Elapsed => TimeSpan.FromMilliseconds(_clock.Now - _limits.Started);

    /// <summary>Time from the start of the exchange to the first byte sent to the client, if any was sent.</summary>
    public TimeSpan? TimeToFirstByte => _counters.FirstByteToClient is var first and > 0 ? TimeSpan.FromMilliseconds(first - _limits.Started) : null;

    /// <summary>Whether the exchange became a stream (at start for stream routes, at the response headers for Auto); counted once.</summary>
    public bool WasOpened { get; private set; }

    long IExchangeLimitsOwner.LastUpstreamWrite => _webSocket?.LastWrite ?? _body?.LastWrite ?? _limits.Started;

    bool IExchangeLimitsOwner.CanHeartbeat => _webSocket is not null || _context.Response.HasStarted;

    /// <summary>The WebSocket policy an upgrade on this route gets.</summary>
    private StreamPolicy UpgradePolicy => _routePolicy.Mode == StreamMode.WebSocket ? _routePolicy : _routePolicy.Targets?.WebSocket ?? _settings.WebSocket;

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
        _originals.Body = bodyFeature;
        _body = new ResponseBody(bodyFeature, this);
        features.Set<IHttpResponseBodyFeature>(_body);
        if (features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            _originals.RequestBody = _context.Request.Body;
            _context.Request.Body = new ActivityStream(_originals.RequestBody, this, ownsInner: false);
        }

        if (features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
        {
            _originals.Upgrade = upgrade;
            features.Set<IHttpUpgradeFeature>(new TrackedUpgradeFeature(upgrade, this));
        }

        if (features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
        {
            _originals.Connect = connect;
            features.Set<IHttpExtendedConnectFeature>(new TrackedExtendedConnectFeature(connect, this));
        }

        if (callerToken.CanBeCanceled)
        {
            _callerRegistration = callerToken.UnsafeRegister(static s => ((StreamSession)s!)._limits.Cancel(), this);
        }

        _limits.Start();
        NotifyOpened(_policy);
        return true;
    }

    public Stream WrapUpgraded(Stream upgraded)
    {
        if (!IsWebSocketRequest())
        {
            return new ActivityStream(upgraded, this, ownsInner: true); // another upgrade protocol: bytes only
        }

        var relay = new WebSocketRelayStream(upgraded, this, consumePongs: UpgradePolicy.EffectiveHeartbeat is not null);
        _webSocket = relay;
        _limits.Reschedule(); // the next heartbeat now counts from the socket's writes
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

        var (stream, headersAtOnce, eventStream) = StreamClassifier.Classify(httpContext, _routePolicy, _settings.WebSocket, accel.ToString());
        if (stream is null)
        {
            return proceed;
        }

        if (!ReferenceEquals(stream, _policy))
        {
            _policy = stream;
            _limits.Switch(stream);
            Log.StreamDetected(_logger, _routeId, stream.Name);
            NotifyOpened(stream);
        }

        // Streams are exempt from total timeouts, including a YARP route Timeout on an Auto route.
        httpContext.Features.Find<IHttpRequestTimeoutFeature>()?.DisableTimeout();
        if (proceed && headersAtOnce)
        {
            if (eventStream && stream.Mode == StreamMode.Sse && stream.Heartbeat is not null)
            {
                _body!.EnableSseHeartbeats();
            }

            // Plain YARP sends the headers with the first body byte; an EventSource would not see "open" until then.
            await response.StartAsync(cancellationToken);
            await _body!.FlushAsync(cancellationToken);
        }

        return proceed;
    }

    /// <summary>After YARP returns: a time limit that ended the exchange before anything was sent becomes a 504 (YARP alone would answer 400 for a route Timeout).</summary>
    public ForwarderError Complete(ForwarderError error)
    {
        _limits.Stop();
        return !_context.Response.HasStarted && _limits.TimedOutBy(_context, _policy, error) is { } limit ? TimedOut(limit) : error;
    }

    public void Dispose()
    {
        _limits.Release(tokenMayBeInUse: _webSocket is not null);
        _stoppingRegistration.Dispose();
        _callerRegistration.Dispose();
    }

    void IExchangeLimitsOwner.HeartbeatDue() => _ = StreamHeartbeats.SendAsync(_body, _webSocket, Token);

    void IExchangeLimitsOwner.LimitReached(StreamEnd end)
    {
        // Before the response starts, the error page answers 504 and logs the failure; this line is its detail.
        var level = _webSocket is not null || _context.Response.HasStarted ? LogLevel.Information : LogLevel.Debug;
        var (reason, elapsed) = (end.ToString(), Elapsed); // once per ended exchange
        Log.Ended(_logger, level, _routeId, _policy.Name, reason, elapsed);
        if (end == StreamEnd.MaxDuration && _webSocket is { } socket)
        {
            _ = StreamHeartbeats.CloseWebSocketAsync(socket, _limits, _routeId, $"maximum duration {_policy.MaxDuration} reached", _logger);
        }
        else
        {
            _limits.Cancel();
        }
    }

    /// <summary>
    /// After a try that failed before the response began: the request's own body and features again, so the
    /// next try (Retries) wraps the originals instead of this finished session's wrappers.
    /// </summary>
    public void Restore() => _originals.Restore(_context);

    private ForwarderError TimedOut(string limit)
    {
        _context.Response.Clear();
        _context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        _context.Features.Set<IForwarderErrorFeature>(new StreamingErrorFeature(ForwarderError.RequestTimedOut, new TimeoutException($"Route '{_routeId}': {limit}")));
        return ForwarderError.RequestTimedOut;
    }

    private void NotifyOpened(StreamPolicy policy)
    {
        if (!WasOpened && policy.IsStream)
        {
            WasOpened = true;
            _metrics?.StreamOpened(_routeId, policy.Name);
        }
    }

    private bool IsWebSocketRequest()
    {
        var connect = _context.Features.Find<IHttpExtendedConnectFeature>();
        return connect?.IsExtendedConnect == true
            ? string.Equals(connect.Protocol, "websocket", StringComparison.OrdinalIgnoreCase)
            : string.Equals(_context.Request.Headers.Upgrade.ToString(), "websocket", StringComparison.OrdinalIgnoreCase);
    }

    private void OnShutdown()
    {
        if (_webSocket is { } socket && _limits.TryEnd(StreamEnd.Shutdown))
        {
            _ = StreamHeartbeats.CloseWebSocketAsync(socket, _limits, _routeId, "EdgeProxy is shutting down", _logger);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.StreamDetected, LogLevel.Debug, "Route {RouteId}: response is a stream, {Policy} policy applies")]
        public static partial void StreamDetected(ILogger logger, string routeId, string policy);

        [LoggerMessage(EventId = EventIds.StreamEnded, Message = "Route {RouteId}: proxy ended the exchange ({Policy} policy): {Reason} after {Elapsed}")]
        public static partial void Ended(ILogger logger, LogLevel level, string routeId, string policy, string reason, TimeSpan elapsed);
    }
}
