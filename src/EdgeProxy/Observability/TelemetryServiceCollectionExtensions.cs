using System.Diagnostics.CodeAnalysis;
using EdgeProxy.Configuration;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EdgeProxy.Observability;

internal static class TelemetryServiceCollectionExtensions
{
    /// <summary>OpenTelemetry metrics (Prometheus + optional OTLP) and traces (recorded only when exported over OTLP).</summary>
    public static IServiceCollection AddEdgeProxyTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = Options(configuration);
        var endpoint = Endpoint(options);
        var protocol = options.OtlpProtocol.Equals("grpc", StringComparison.OrdinalIgnoreCase) ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        services.AddSingleton<EdgeProxyMetrics>();
        var telemetry = services.AddOpenTelemetry().ConfigureResource(r => r.AddService("edgeproxy"));
        if (options.Metrics)
        {
            telemetry.WithMetrics(metrics =>
            {
                // Not "Microsoft.AspNetCore.Hosting": its per-request duration histogram repeats edgeproxy_request_duration_seconds.
                metrics.AddMeter(EdgeProxyMetrics.MeterName, "Microsoft.AspNetCore.Server.Kestrel")
                    // Kestrel's per-request instrument (HTTP/2 and HTTP/3 streams waiting for the app): two updates on
                    // every request, ~1 % of the CPU on the HTTP/2 bench, for a gauge that is almost always 0 here.
                    // Dropped, it is never enabled, so Kestrel skips the work.
                    .AddView("kestrel.queued_requests", MetricStreamConfiguration.Drop)
                    // No response cache (default 300 ms): the status page's sampler collects every 10 s, and a scrape
                    // right after it must not be handed that older collection. A collection is cheap; scrapes are rare.
                    .AddPrometheusExporter(static o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                if (!string.IsNullOrEmpty(endpoint))
                {
                    metrics.AddOtlpExporter(o => Otlp(o, endpoint, protocol, "v1/metrics"));
                }
            });
        }

        // Without an exporter there is nothing to record spans for. W3C context still flows: ASP.NET Core starts
        // an Activity per request from the caller's traceparent (TraceContextListener asks for it) and
        // TraceContextTransform names it as the upstream's parent (AddTraceContext). OpenTelemetry's instrumentation
        // would cost ~10 µs per request here (bench/README.md).
        services.AddSingleton<TraceContextListener>();
        if (ExportsSpans(options, out var spanEndpoint))
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation() // public listeners only: the admin server runs no hosting diagnostics
                .AddHttpClientInstrumentation()
                .AddSource("Yarp.ReverseProxy")
                .AddOtlpExporter(o => Otlp(o, spanEndpoint, protocol, "v1/traces")));
        }

        return services;
    }

    /// <summary>
    /// How the upstream gets W3C trace context. Spans exported: HttpClient's own propagation, from its client span.
    /// Otherwise <see cref="TraceContextTransform"/> on every route, and the upstream HttpClients without
    /// propagation (it would start an Activity per request for a client span nobody records; set by
    /// <see cref="Proxy.UpstreamClients"/> from <see cref="HttpClientPropagates"/>).
    /// </summary>
    public static IReverseProxyBuilder AddTraceContext(this IReverseProxyBuilder proxy, IConfiguration configuration) =>
        HttpClientPropagates(configuration) ? proxy : proxy.AddTransforms(static context => context.RequestTransforms.Add(TraceContextTransform.Instance));

    /// <summary>Whether the upstream HttpClients propagate trace context themselves (only when spans are exported).</summary>
    public static bool HttpClientPropagates(IConfiguration configuration) => ExportsSpans(Options(configuration), out _);

    private static TelemetryOptions Options(IConfiguration configuration) => BoundOptions.Get<TelemetryOptions>(configuration);

    private static string? Endpoint(TelemetryOptions options) => options.OtlpEndpoint ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");

    private static bool ExportsSpans(TelemetryOptions options, [NotNullWhen(true)] out string? endpoint)
    {
        endpoint = Endpoint(options);
        return options.Tracing && !string.IsNullOrEmpty(endpoint);
    }

    /// <summary>Prometheus text at /metrics; only the admin server's pipeline calls this, so no public listener serves it.</summary>
    public static IApplicationBuilder UseAdminMetrics(this IApplicationBuilder app, IConfiguration configuration)
    {
        return Options(configuration).Metrics
            ? app.UseOpenTelemetryPrometheusScrapingEndpoint(static context => context.Request.Path == "/metrics")
            : app;
    }

    private static void Otlp(OtlpExporterOptions options, string endpoint, OtlpExportProtocol protocol, string signalPath)
    {
        options.Protocol = protocol;
        options.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf && !endpoint.TrimEnd('/').EndsWith(signalPath, StringComparison.Ordinal)
            ? new Uri(endpoint.TrimEnd('/') + "/" + signalPath)
            : new Uri(endpoint);
    }
}
