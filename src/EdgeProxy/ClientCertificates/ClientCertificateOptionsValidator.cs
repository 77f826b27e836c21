using EdgeProxy.ClientCertificates.Revocation;
using EdgeProxy.Configuration;
using EdgeProxy.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.ClientCertificates;

internal static class ClientCertificateOptionsValidator
{
    private const string Section = ClientCertificateOptions.SectionName;

    public static void Validate(IConfiguration config, string contentRoot, IReadOnlyList<EndpointSpec> endpoints, ConfigReport report)
    {
        var asking = endpoints
            .SelectMany(e => e.Sni.Select(s => (s.Key, s.Tls.ClientCertificateMode)).Append((e.Key, e.Tls.ClientCertificateMode)))
            .Where(x => x.ClientCertificateMode != ClientCertificateMode.NoCertificate)
            .ToList();
        foreach (var (key, mode) in asking.Where(x => x.ClientCertificateMode == ClientCertificateMode.DelayCertificate))
        {
            report.Fail(key + ":ClientCertificateMode", "DelayCertificate needs TLS renegotiation, which TLS 1.3 and HTTP/2 cannot do; use AllowCertificate and \"EdgeProxy.ClientCert\": \"Required\" on the routes that need one");
        }

        var files = config.GetSection(Section + ":TrustedCaFiles").GetChildren().ToList();
        if (asking.Count > 0 && files.Count == 0)
        {
            report.Fail(Section + ":TrustedCaFiles", $"required: {asking[0].Key}:ClientCertificateMode asks for client certificates; list the PEM files of the CAs that issue them");
        }

        foreach (var file in files)
        {
            CheckCaFile(file, contentRoot, report);
        }

        ConfigValues.ReadEnum<ForwardFormat>(config, Section + ":Forward", report);
        foreach (var endpoint in config.GetSection(Section + ":Endpoints").GetChildren())
        {
            ConfigValues.ReadEnum<ForwardFormat>(config, endpoint.Path + ":Forward", report);
            if (!endpoints.Any(e => e.Name.Equals(endpoint.Key, StringComparison.OrdinalIgnoreCase)))
            {
                report.Fail(endpoint.Path, $"no endpoint named '{endpoint.Key}' under Kestrel:Endpoints");
            }
        }

        foreach (var header in config.GetSection(Section + ":HeaderNames").GetChildren())
        {
            if (string.IsNullOrWhiteSpace(header.Value) || header.Value.Any(c => c <= ' ' || c >= 0x7F || "()<>@,;:\\\"/[]?={}".Contains(c)))
            {
                report.Fail(header.Path, $"'{header.Value}' is not a valid header name");
            }
        }

        ConfigValues.ReadEnum<XfccMode>(config, Section + ":XfccMode", report);
        var accept = ConfigValues.ReadEnum<ForwardFormat>(config, Section + ":AcceptFromTrustedProxies", report);
        if (accept is not null and not ForwardFormat.None)
        {
            if (files.Count == 0)
            {
                report.Fail(Section + ":TrustedCaFiles", "required: AcceptFromTrustedProxies validates forwarded certificates against these CAs");
            }

            if (!config.GetSection("EdgeProxy:TrustedProxies:Networks").GetChildren().Any())
            {
                report.Warn(Section + ":AcceptFromTrustedProxies", "EdgeProxy:TrustedProxies:Networks is empty, so no peer is trusted and no forwarded certificate is ever accepted");
            }
        }

        // RevocationOptionsValidator reports a bad Revocation value; here only the consequence of None.
        var revocation = Enum.TryParse<RevocationMode>(config[Section + ":Revocation"], ignoreCase: true, out var revocationMode) ? revocationMode : (RevocationMode?)null;
        if (asking.Count > 0 && revocation is null or RevocationMode.None)
        {
            report.Warn(Section + ":Revocation", "None: revoked client certificates are accepted; set Crl, Ocsp or CrlOrOcsp");
        }

        var anyRequired = false;
        foreach (var route in config.GetSection("ReverseProxy:Routes").GetChildren())
        {
            var requirement = ConfigValues.ReadEnum<ClientCertRequirement>(config, $"{route.Path}:Metadata:{RouteClientCertificatePolicy.RequirementKey}", report);
            ConfigValues.ReadEnum<ForwardFormat>(config, $"{route.Path}:Metadata:{RouteClientCertificatePolicy.ForwardKey}", report);
            anyRequired |= requirement == ClientCertRequirement.Required;
        }

        if (anyRequired && asking.Count == 0)
        {
            report.Warn("Kestrel:Endpoints", "a route requires a client certificate but no endpoint sets ClientCertificateMode: those routes will always answer 403");
        }
    }

    private static void CheckCaFile(IConfigurationSection file, string contentRoot, ConfigReport report)
    {
        var path = Path.GetFullPath(file.Value ?? string.Empty, contentRoot);
        if (!File.Exists(path))
        {
            report.Fail(file.Path, $"file '{path}' not found");
            return;
        }

        try
        {
            var bundle = new TrustedCaBundle([path]);
            if (bundle.Count == 0)
            {
                report.Fail(file.Path, $"'{path}' holds no PEM certificate");
                return;
            }

            foreach (var ca in bundle.Roots.Concat(bundle.Intermediates).Where(c => c.NotAfter.ToUniversalTime() < DateTime.UtcNow))
            {
                report.Warn(file.Path, $"CA {ca.Subject} in '{path}' expired on {ca.NotAfter.ToUniversalTime():yyyy-MM-dd}");
            }

            report.Ok(file.Path, $"{bundle.Roots.Count} root(s), {bundle.Intermediates.Count} intermediate(s)");
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            report.Fail(file.Path, $"'{path}' cannot be read as PEM certificates: {ex.Message}");
        }
    }
}
