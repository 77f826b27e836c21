using EdgeProxy.Observability;
using Microsoft.Extensions.Options;

namespace EdgeProxy.Admin.Status;

/// <summary>
/// Requests per second, error rate and open streams over the last minutes, sampled every
/// <see cref="Interval"/> from the Prometheus exporter's own output, in process (no socket). The timer is the whole
/// cost: nothing runs per request, and one collection of EdgeProxy's few hundred series every 10 s is far below
/// a millisecond. 10 s is the resolution a "last five minutes" sparkline needs (30 points) and the scrape interval
/// most Prometheus set-ups use, so the page and the operator's dashboards agree.
/// </summary>
internal sealed partial class TrafficHistory(IServiceProvider services, IOptions<TelemetryOptions> telemetry, TimeProvider time, ILogger<TrafficHistory> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>How requests no route matched (404s, refused hosts) are listed; the metric's route label is "-".</summary>
    public const string NoRoute = "(no route)";

    /// <summary>Intervals kept: five minutes.</summary>
    public const int Points = 30;

    private readonly Queue<PrometheusSample> _samples = new();
    private readonly Lock _gate = new();
    private RequestDelegate? _scrape;

    public bool Available => telemetry.Value.Metrics;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Available)
        {
            return; // no exporter to read; the page says metrics are off
        }

        var app = new ApplicationBuilder(services);
        app.UseOpenTelemetryPrometheusScrapingEndpoint(static _ => true);
        _scrape = app.Build();
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    Add(await SampleAsync(stoppingToken));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.SampleFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // A host that failed to start (a port in use) cancels this without StopAsync, and the host would log a
            // cancelled background service as "BackgroundService failed" beside the one FAIL line that matters.
        }
    }

    /// <summary>Takes a sample now, as the timer does (tests use it to close an interval without waiting 10 s).</summary>
    internal async Task TickAsync(CancellationToken cancellationToken = default) => Add(await SampleAsync(cancellationToken));

    /// <summary>Collects now, the way a scrape of <c>/metrics</c> does.</summary>
    internal async Task<PrometheusSample> SampleAsync(CancellationToken cancellationToken)
    {
        if (_scrape is null)
        {
            return PrometheusSample.Empty;
        }

        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = "/metrics";
        using var body = new MemoryStream();
        context.Response.Body = body;
        context.RequestAborted = cancellationToken;
        await _scrape(context);
        return PrometheusSample.Parse(System.Text.Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length));
    }

    private void Add(PrometheusSample sample)
    {
        lock (_gate)
        {
            _samples.Enqueue(sample);
            while (_samples.Count > Points + 1)
            {
                _samples.Dequeue();
            }
        }
    }

    public TrafficStatus Read()
    {
        PrometheusSample[] samples;
        lock (_gate)
        {
            samples = [.. _samples];
        }

        var latest = samples.Length > 0 ? samples[^1] : PrometheusSample.Empty;
        var seconds = Interval.TotalSeconds;
        var routes = latest.Requests.Keys.Order(StringComparer.Ordinal).Select(route =>
        {
            var rates = new List<double>(Points);
            var errors = new List<double>(Points);
            for (var i = 1; i < samples.Length; i++)
            {
                var (total, failed) = samples[i].Requests.GetValueOrDefault(route);
                var (total0, failed0) = samples[i - 1].Requests.GetValueOrDefault(route);
                var requests = total - total0;
                rates.Add(Math.Round(requests / seconds, 2));
                errors.Add(requests > 0 ? Math.Round((double)(failed - failed0) / requests, 3) : 0);
            }

            return new RouteTraffic(route == "-" ? NoRoute : route, rates, errors);
        }).ToList();
        var streams = latest.Streams.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new StreamCount(s.Key, s.Value)).ToList();
        return new TrafficStatus(Available, (int)seconds, routes, streams);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.StatusSampleFailed, LogLevel.Warning, "Status page: sampling the request counters failed; the sparklines miss this interval")]
        public static partial void SampleFailed(ILogger logger, Exception exception);
    }
}
