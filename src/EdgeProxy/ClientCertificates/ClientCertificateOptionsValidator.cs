using EdgeProxy.ClientCertificates.Revocation;
using EdgeProxy.Configuration;
using EdgeProxy.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// <c>EdgeProxy:ClientCertificates</c>: the CA files (read here, so a broken one fails check and start), the listeners
/// named per endpoint, header renames, and what a listener asking for certificates needs.
/// </summary>
internal sealed class ClientCertificateOptionsValidator(ConfigContext context, IConfiguration configuration) : OptionsValidator<ClientCertificateOptions>
{
    private const string Section = ClientCertificateOptions.SectionName;

    public override void Check(ClientCertificateOptions options, ConfigReport report)
    {
        var endpoints = context.Endpoints();
        var asking = Asking(endpoints);
        foreach (var (key, mode) in asking.Where(x => x.ClientCertificateMode == ClientCertificateMode.DelayCertificate))
        {
            report.Fail(key + ":ClientCertificateMode", "DelayCertificate needs TLS renegotiation, which TLS 1.3 and HTTP/2 cannot do; use AllowCertificate and \"EdgeProxy.ClientCert\": \"Required\" on the routes that need one");
        }

        var files = options.TrustedCaFiles ?? [];
        if (asking.Count > 0 && files.Length == 0)
        {
            report.Fail(Section + ":TrustedCaFiles", $"required: {asking[0].Key}:ClientCertificateMode asks for client certificates; list the PEM files of the CAs that issue them");
        }

        for (var i = 0; i < files.Length; i++)
        {
            CheckCaFile($"{Section}:TrustedCaFiles:{i}", files[i], context.ContentRoot, report);
        }

        foreach (var name in (options.Endpoints ?? []).Keys.Where(n => !endpoints.Any(e => e.Name.Equals(n, StringComparison.OrdinalIgnoreCase))))
        {
            report.Fail($"{Section}:Endpoints:{name}", $"no endpoint named '{name}' under Kestrel:Endpoints");
        }

        foreach (var (name, value) in options.HeaderNames ?? [])
        {
            if (string.IsNullOrWhiteSpace(value) || value.Any(c => c <= ' ' || c >= 0x7F || "()<>@,;:\\\"/[]?={}".Contains(c)))
            {
                report.Fail($"{Section}:HeaderNames:{name}", $"'{value}' is not a valid header name");
            }
        }

        if (options.AcceptFromTrustedProxies is not ForwardFormat.None)
        {
            if (files.Length == 0)
            {
                report.Fail(Section + ":TrustedCaFiles", "required: AcceptFromTrustedProxies validates forwarded certificates against these CAs");
            }

            if ((BoundOptions.Get<ForwardedHeaders.TrustedProxiesOptions>(configuration).Networks ?? []).Length == 0)
            {
                report.Warn(Section + ":AcceptFromTrustedProxies", "EdgeProxy:TrustedProxies:Networks is empty, so no peer is trusted and no forwarded certificate is ever accepted");
            }
        }

        if (asking.Count > 0 && options.Revocation == RevocationMode.None)
        {
            report.Warn(Section + ":Revocation", "None: revoked client certificates are accepted; set Crl, Ocsp or CrlOrOcsp");
        }
    }

    /// <summary>The listeners and SNI entries that ask for a client certificate.</summary>
    public static List<(string Key, ClientCertificateMode ClientCertificateMode)> Asking(IEnumerable<EndpointSpec> endpoints) => endpoints
        .SelectMany(e => e.Sni.Select(s => (s.Key, s.Tls.ClientCertificateMode)).Append((e.Key, e.Tls.ClientCertificateMode)))
        .Where(x => x.ClientCertificateMode != ClientCertificateMode.NoCertificate)
        .ToList();

    private static void CheckCaFile(string key, string? file, string contentRoot, ConfigReport report)
    {
        var path = Path.GetFullPath(file ?? string.Empty, contentRoot);
        if (!File.Exists(path))
        {
            report.Fail(key, $"file '{path}' not found");
            return;
        }

        try
        {
            var bundle = new TrustedCaBundle([path]);
            if (bundle.Count == 0)
            {
                report.Fail(key, $"'{path}' holds no PEM certificate");
                return;
            }

            foreach (var ca in bundle.Roots.Concat(bundle.Intermediates).Where(c => c.NotAfter.ToUniversalTime() < DateTime.UtcNow))
            {
                report.Warn(key, $"CA {ca.Subject} in '{path}' expired on {ca.NotAfter.ToUniversalTime():yyyy-MM-dd}");
            }

            report.Ok(key, $"{bundle.Roots.Count} root(s), {bundle.Intermediates.Count} intermediate(s)");
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            report.Fail(key, $"'{path}' cannot be read as PEM certificates: {ex.Message}");
        }
    }
}
