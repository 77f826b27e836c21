using EdgeProxy.Configuration;

namespace EdgeProxy.Tls;

/// <summary><c>EdgeProxy:HttpsRedirect</c>: the port clients are sent to, and what plain-http listeners do.</summary>
internal sealed class HttpsRedirectOptionsValidator(ConfigContext context) : OptionsValidator<HttpsRedirectOptions>
{
    public override void Check(HttpsRedirectOptions options, ConfigReport report)
    {
        var portKey = HttpsRedirectOptions.SectionName + ":Port";
        if (options.Port is { } port and not (> 0 and < 65536))
        {
            report.Fail(portKey, $"'{port}' is not a TCP port (1-65535)");
        }

        var endpoints = context.Endpoints();
        if (!endpoints.Any(e => !e.IsHttps))
        {
            return;
        }

        if (!options.Enabled)
        {
            report.Warn(HttpsRedirectOptions.SectionName + ":Enabled", "false: http listeners proxy plain HTTP; only do this behind a TLS-terminating load balancer");
        }
        else if (options.Port is null && !endpoints.Any(e => e.IsHttps))
        {
            report.Fail(portKey, "http listeners redirect to HTTPS but no https listener is configured; add one or set this port");
        }
    }
}
