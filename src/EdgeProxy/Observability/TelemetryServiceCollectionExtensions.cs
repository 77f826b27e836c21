using EdgeProxy.Tls;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EdgeProxy.Observability;

internal static class TelemetryServiceCollectionExtensions
{
    /// <summary>OpenTelemetry metrics (Prometheus + optional OTLP) and traces (exported only with OTLP).</summary>
    public static IServiceCollection AddEdgeProxyTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var endpoint = options.OtlpEndpoint ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
        var protocol = options.OtlpProtocol.Equals("grpc", StringComparison.OrdinalIgnoreCase) ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        services.AddSingleton<EdgeProxyMetrics>();
        var telemetry = services.AddOpenTelemetry().ConfigureResource(r => r.AddService("edgeproxy"));
        if (options.Metrics)
        {
            telemetry.WithMetrics(metrics =>
            {
                metrics.AddMeter(EdgeProxyMetrics.MeterName, "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Hosting")
                    .AddPrometheusExporter();
                if (!string.IsNullOrEmpty(endpoint))
                {
                    metrics.AddOtlpExporter(o => Otlp(o, endpoint, protocol, "v1/metrics"));
                }
            });
        }

        if (options.Tracing)
        {
            telemetry.WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation(o => o.Filter = context => context.Features.Get<ListenerFeature>()?.Kind != ListenerKind.Admin)
                    .AddHttpClientInstrumentation()
                    .AddSource("Yarp.ReverseProxy");
                if (!string.IsNullOrEmpty(endpoint))
                {
                    tracing.AddOtlpExporter(o => Otlp(o, endpoint, protocol, "v1/traces"));
                }
                else
                {
                    // Nothing to export to: keep propagating trace context (the upstream still sees a child of
                    // the caller's span) but record spans only for callers whose trace is sampled.
                    tracing.SetSampler(new ParentBasedSampler(new AlwaysOffSampler()));
                }
            });
        }

        return services;
    }

    /// <summary>Prometheus text at the admin listener's /metrics only, never on a public listener.</summary>
    public static IApplicationBuilder UseAdminMetrics(this IApplicationBuilder app, IConfiguration configuration)
    {
        var options = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        return options.Metrics
            ? app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
                context.Request.Path == "/metrics" && context.Features.Get<ListenerFeature>()?.Kind == ListenerKind.Admin)
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
