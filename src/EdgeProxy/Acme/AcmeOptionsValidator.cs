using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Configuration;
using EdgeProxy.Tls;

namespace EdgeProxy.Acme;

/// <summary>
/// Checks <c>EdgeProxy:Certificates:Acme</c> and works out the host names to manage. Returns null when ACME is
/// off or a setting FAILs, so nothing half-configured ever talks to a CA.
/// </summary>
internal static class AcmeOptionsValidator
{
    public static AcmeSettings? Validate(IConfiguration config, string contentRoot, IReadOnlyList<EndpointSpec> endpoints, ConfigReport report)
    {
        var section = config.GetSection(AcmeOptions.SectionName);
        if (!(ConfigValues.ReadBool(section, "Enabled", report) ?? false))
        {
            return null;
        }

        var failures = report.Failures.Count();
        var key = section.Path;
        var directory = ReadDirectory(section, report);
        if (!(ConfigValues.ReadBool(section, "AcceptTermsOfService", report) ?? false))
        {
            report.Fail(key + ":AcceptTermsOfService", "must be true: the CA's terms of service are agreed to when EdgeProxy creates its account");
        }

        var email = section["Email"];
        if (string.IsNullOrWhiteSpace(email))
        {
            report.Warn(key + ":Email", "not set: the CA cannot warn you about expiring certificates or policy changes");
        }
        else if (!email.Contains('@', StringComparison.Ordinal) || email.Contains(':', StringComparison.Ordinal))
        {
            report.Fail(key + ":Email", $"'{email}' is not an email address");
        }

        var challenges = ReadChallenges(section, report);
        if (challenges.Contains(AcmeChallengeType.Http01) && !endpoints.Any(e => !e.IsHttps))
        {
            report.Warn(key + ":Challenges", "Http01 needs a plain http listener reachable on port 80; none is configured");
        }

        if (!endpoints.Any(e => e.IsHttps))
        {
            report.Fail(key + ":Enabled", "no https listener to serve the certificates on");
        }

        var keyType = ConfigValues.ReadEnum<AcmeKeyType>(section, "KeyType", report) ?? AcmeKeyType.EcdsaP256;
        TimeSpan? renewBefore = section["RenewBefore"] is null ? null : Duration.Read(config, key + ":RenewBefore", TimeSpan.Zero, report);
        if (renewBefore is { } r && r <= TimeSpan.Zero && section["RenewBefore"] is { } text && Duration.TryParse(text, out _))
        {
            report.Fail(key + ":RenewBefore", "must be longer than 0; remove it for the default (a third of the lifetime)");
        }

        var caBundle = ReadCaBundle(section, contentRoot, report);
        var fileCertificates = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var hosts = AcmeHosts.Resolve(config, section, endpoints, report, fileCertificates);
        // Read the one key, not the whole section: binding it would need the duration converter `check` never registers.
        var dataPath = new EdgeProxyOptions { DataPath = config["EdgeProxy:DataPath"] ?? "data" }.ResolveDataPath(contentRoot);
        var storage = Path.GetFullPath(string.IsNullOrWhiteSpace(section["StoragePath"]) ? "acme" : section["StoragePath"]!, dataPath);
        if (report.Failures.Count() > failures || directory is null)
        {
            return null;
        }

        report.Ok(key, $"{directory} for {(hosts.Count == 0 ? "no host yet" : string.Join(", ", hosts))}; storage {storage}");
        return new AcmeSettings(directory, string.IsNullOrWhiteSpace(email) ? null : email.Trim(), hosts, challenges, keyType, renewBefore, caBundle, storage, fileCertificates);
    }

    private static Uri? ReadDirectory(IConfigurationSection section, ConfigReport report)
    {
        var text = section["DirectoryUrl"] ?? AcmeOptions.LetsEncrypt;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            report.Fail(section.Path + ":DirectoryUrl", $"'{text}' is not an https:// URL; Let's Encrypt is {AcmeOptions.LetsEncrypt} (staging {AcmeOptions.LetsEncryptStaging})");
            return null;
        }

        return uri;
    }

    private static HashSet<AcmeChallengeType> ReadChallenges(IConfigurationSection section, ConfigReport report)
    {
        var names = ConfigValues.ReadList(section, "Challenges", report);
        var result = new HashSet<AcmeChallengeType>();
        foreach (var name in names)
        {
            if (Enum.TryParse<AcmeChallengeType>(name, ignoreCase: true, out var type) && Enum.IsDefined(type) && !name.All(char.IsAsciiDigit))
            {
                result.Add(type);
            }
            else
            {
                report.Fail(section.Path + ":Challenges", $"'{name}' is not one of Http01, TlsAlpn01");
            }
        }

        if (section.GetSection("Challenges").GetChildren().Any() is false)
        {
            result = [AcmeChallengeType.Http01, AcmeChallengeType.TlsAlpn01];
        }

        if (result.Count == 0 && names.Count > 0)
        {
            report.Fail(section.Path + ":Challenges", "names no challenge; use Http01, TlsAlpn01 or both");
        }

        return result;
    }

    private static string? ReadCaBundle(IConfigurationSection section, string contentRoot, ConfigReport report)
    {
        if (string.IsNullOrWhiteSpace(section["CaBundle"]))
        {
            return null;
        }

        var path = Path.GetFullPath(section["CaBundle"]!, contentRoot);
        try
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(path);
            if (roots.Count == 0)
            {
                report.Fail(section.Path + ":CaBundle", $"'{path}' holds no PEM certificate");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            report.Fail(section.Path + ":CaBundle", $"'{path}' cannot be read: {ex.Message}");
        }

        return path;
    }

    public static bool IsIpAddress(string host) => IPAddress.TryParse(host.Trim('[', ']'), out _);
}
