using EdgeProxy.Configuration;

namespace EdgeProxy.Tls;

internal static class HttpsRedirectOptionsValidator
{
    public static void Validate(IConfiguration config, IReadOnlyList<EndpointSpec> endpoints, ConfigReport report)
    {
        var enabledKey = HttpsRedirectOptions.SectionName + ":Enabled";
        var portKey = HttpsRedirectOptions.SectionName + ":Port";
        var enabled = ConfigValues.ReadBool(config.GetSection(HttpsRedirectOptions.SectionName), "Enabled", report) ?? true;

        int? port = null;
        if (config[portKey] is { } portText)
        {
            if (int.TryParse(portText, out var parsed) && parsed is > 0 and < 65536)
            {
                port = parsed;
            }
            else
            {
                report.Fail(portKey, $"'{portText}' is not a TCP port (1-65535)");
            }
        }

        if (!endpoints.Any(e => !e.IsHttps))
        {
            return;
        }

        if (!enabled)
        {
            report.Warn(enabledKey, "false: http listeners proxy plain HTTP; only do this behind a TLS-terminating load balancer");
        }
        else if (port is null && !endpoints.Any(e => e.IsHttps))
        {
            report.Fail(portKey, "http listeners redirect to HTTPS but no https listener is configured; add one or set this port");
        }
    }
}
