using EdgeProxy.Configuration;
using EdgeProxy.ErrorPages;

namespace EdgeProxy.Observability;

/// <summary>The access log, error page and telemetry keys: refused at check and start, never at bind time on a request.</summary>
internal static class ObservabilityOptionsValidator
{
    public static void Validate(IConfiguration config, ConfigReport report)
    {
        var accessLog = config.GetSection(AccessLogOptions.SectionName);
        ConfigValues.ReadBool(accessLog, nameof(AccessLogOptions.Enabled), report);
        ConfigValues.ReadBool(accessLog, nameof(AccessLogOptions.IncludeQueryString), report);
        ConfigValues.ReadBool(config.GetSection(ErrorPageOptions.SectionName), nameof(ErrorPageOptions.Detailed), report);

        var telemetry = config.GetSection(TelemetryOptions.SectionName);
        ConfigValues.ReadBool(telemetry, nameof(TelemetryOptions.Metrics), report);
        ConfigValues.ReadBool(telemetry, nameof(TelemetryOptions.Tracing), report);
        if (telemetry[nameof(TelemetryOptions.OtlpEndpoint)] is { Length: > 0 } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            report.Fail(telemetry.Path + ":OtlpEndpoint", $"'{endpoint}' is not an absolute http:// or https:// URL");
        }

        if (telemetry[nameof(TelemetryOptions.OtlpProtocol)] is { } protocol && protocol is not ("grpc" or "http/protobuf"))
        {
            report.Fail(telemetry.Path + ":OtlpProtocol", $"'{protocol}' is not grpc or http/protobuf");
        }
    }
}
