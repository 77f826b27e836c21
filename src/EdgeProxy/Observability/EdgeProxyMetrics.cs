using System.Diagnostics.Metrics;
using EdgeProxy.Tls;

namespace EdgeProxy.Observability;

/// <summary>
/// EdgeProxy's own instruments (meter <c>EdgeProxy</c>). Connections and TLS handshakes come from
/// Kestrel's built-in meter, which is exported beside these.
/// </summary>
internal sealed class EdgeProxyMetrics : IDisposable
{
    public const string MeterName = "EdgeProxy";

    /// <summary>Rate-limit decisions: admitted at once, admitted after waiting in the policy's queue, refused with 429.</summary>
    public const string Allowed = "allowed";
    public const string Queued = "queued";
    public const string Rejected = "rejected";

    private static readonly string[] StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];
    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _upstreamErrors;
    private readonly Counter<long> _clientCertificateFailures;
    private readonly UpDownCounter<long> _activeStreams;
    private readonly Histogram<double> _streamDuration;
    private readonly Histogram<double> _streamFirstByte;
    private readonly Counter<long> _held;
    private readonly UpDownCounter<long> _waiting;
    private readonly Histogram<double> _wait;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _givenUp;
    private readonly Counter<long> _rateLimitDecisions;

    public EdgeProxyMetrics(IMeterFactory meterFactory, CertificateStore certificates)
    {
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("edgeproxy.requests", "{request}", "Requests on the public listeners by route, cluster and status class");
        _duration = _meter.CreateHistogram<double>("edgeproxy.request.duration", "s", "Time from request start to the end of the response, per route",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _upstreamErrors = _meter.CreateCounter<long>("edgeproxy.upstream.errors", "{error}", "Failures talking to upstreams by route and kind");
        _clientCertificateFailures = _meter.CreateCounter<long>("edgeproxy.client_certificate.failures", "{certificate}", "Client certificates that failed validation, by reason");
        _activeStreams = _meter.CreateUpDownCounter<long>("edgeproxy.streams.active", "{stream}", "Open SSE/NDJSON streams and WebSockets per route and policy");
        _streamDuration = _meter.CreateHistogram<double>("edgeproxy.stream.duration", "s", "How long streams and WebSockets stayed open, by route, policy and end reason",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 10, 60, 300, 900, 3600, 14400, 86400] });
        _streamFirstByte = _meter.CreateHistogram<double>("edgeproxy.stream.time_to_first_byte", "s", "Time from request to the first byte sent to the client on stream routes",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 30] });
        _held = _meter.CreateCounter<long>("edgeproxy.upstream.held", "{request}", "Requests that waited because no destination of their cluster accepted a connection, per cluster");
        _waiting = _meter.CreateUpDownCounter<long>("edgeproxy.upstream.waiting", "{request}", "Requests waiting for a destination right now, per cluster");
        _wait = _meter.CreateHistogram<double>("edgeproxy.upstream.wait.duration", "s", "How long held requests waited, per cluster and outcome (answered, given_up, client_closed)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60] });
        _retried = _meter.CreateCounter<long>("edgeproxy.upstream.retried", "{request}", "Requests tried more than once (another destination, or the same one once back), per cluster");
        _givenUp = _meter.CreateCounter<long>("edgeproxy.upstream.given_up", "{request}",
            "Requests that were held or retried and still failed, per cluster and reason (try_duration, held_limit, route_timeout, failed)");
        _rateLimitDecisions = _meter.CreateCounter<long>("edgeproxy.rate_limit.decisions", "{request}", "Rate-limit decisions per policy: allowed, queued (allowed after waiting), rejected (429)");
        _meter.CreateObservableGauge("edgeproxy.certificate.expiry", () => certificates.All.Select(c => new Measurement<double>(
            (c.Current.NotAfter - DateTimeOffset.UtcNow).TotalDays,
            new KeyValuePair<string, object?>("certificate", c.Spec.Key),
            new KeyValuePair<string, object?>("subject", c.Current.Leaf.Subject))), "d", "Days until each served certificate expires");
    }

    public void Request(string route, string cluster, int status, double seconds)
    {
        var statusClass = status is >= 100 and < 600 ? StatusClasses[(status / 100) - 1] : "other";
        _requests.Add(1, new("route", route), new("cluster", cluster), new("status_class", statusClass));
        _duration.Record(seconds, new KeyValuePair<string, object?>("route", route));
    }

    public void UpstreamError(string route, string kind) => _upstreamErrors.Add(1, new("route", route), new("kind", kind));

    public void ClientCertificateFailure(string reason) => _clientCertificateFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void StreamOpened(string route, string policy) => _activeStreams.Add(1, new("route", route), new("policy", policy));

    public void StreamClosed(string route, string policy, string reason, TimeSpan duration, TimeSpan? firstByte)
    {
        _activeStreams.Add(-1, new("route", route), new("policy", policy));
        _streamDuration.Record(duration.TotalSeconds, new("route", route), new("policy", policy), new("reason", reason));
        if (firstByte is { } ttfb)
        {
            _streamFirstByte.Record(ttfb.TotalSeconds, new KeyValuePair<string, object?>("route", route));
        }
    }

    public void UpstreamHeld(string cluster)
    {
        _held.Add(1, new KeyValuePair<string, object?>("cluster", cluster));
        _waiting.Add(1, new KeyValuePair<string, object?>("cluster", cluster));
    }

    public void UpstreamWaitEnded(string cluster, TimeSpan waited, string outcome)
    {
        _waiting.Add(-1, new KeyValuePair<string, object?>("cluster", cluster));
        _wait.Record(waited.TotalSeconds, new("cluster", cluster), new("outcome", outcome));
    }

    public void UpstreamRetried(string cluster) => _retried.Add(1, new KeyValuePair<string, object?>("cluster", cluster));

    public void UpstreamGivenUp(string cluster, string reason) => _givenUp.Add(1, new("cluster", cluster), new("reason", reason));

    public void RateLimitDecision(string policy, string decision) => _rateLimitDecisions.Add(1, new("policy", policy), new("decision", decision));

    /// <summary>Reports the live partitions of each rate-limit policy (clients, header or claim values counted now) on every collection.</summary>
    public void ObserveRateLimitPartitions(Func<IEnumerable<Measurement<long>>> observe) =>
        _meter.CreateObservableGauge("edgeproxy.rate_limit.partitions", observe, "{partition}", "Partitions each rate-limit policy counts now; bounded by its MaxPartitions");

    public void Dispose() => _meter.Dispose();
}
