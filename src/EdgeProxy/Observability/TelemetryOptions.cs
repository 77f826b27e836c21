namespace EdgeProxy.Observability;

/// <summary><c>EdgeProxy:Telemetry</c>: OpenTelemetry metrics (Prometheus at the admin listener's /metrics) and traces.</summary>
public sealed class TelemetryOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:Telemetry</c>.</summary>
    public const string SectionName = "EdgeProxy:Telemetry";

    /// <summary>Default true: metrics are collected and served at admin /metrics.</summary>
    public bool Metrics { get; set; } = true;

    /// <summary>Default true: spans are recorded and exported when an OTLP endpoint is set. W3C traceparent reaches upstreams either way.</summary>
    public bool Tracing { get; set; } = true;

    /// <summary>OTLP endpoint for traces and metrics (e.g. http://collector:4318). Default: OTEL_EXPORTER_OTLP_ENDPOINT, else nothing is exported.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> or <c>http/protobuf</c> (default).</summary>
    public string OtlpProtocol { get; set; } = "http/protobuf";
}
