using EdgeProxy.Configuration;

namespace EdgeProxy.Observability;

/// <summary><c>EdgeProxy:Telemetry</c>: where spans and metrics are exported, refused at check and start, never at the first export.</summary>
internal sealed class TelemetryOptionsValidator : OptionsValidator<TelemetryOptions>
{
    public override void Check(TelemetryOptions options, ConfigReport report)
    {
        if (options.OtlpEndpoint is { Length: > 0 } endpoint && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            report.Fail(TelemetryOptions.SectionName + ":OtlpEndpoint", $"'{endpoint}' is not an absolute http:// or https:// URL");
        }

        if (options.OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            report.Fail(TelemetryOptions.SectionName + ":OtlpProtocol", $"'{options.OtlpProtocol}' is not grpc or http/protobuf");
        }
    }
}
