using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Configuration;
using EdgeProxy.Tls;

namespace EdgeProxy.Acme;

/// <summary>
/// The bound <c>EdgeProxy:Certificates:Acme</c>, and the host names to manage (the listed ones, else the literal names
/// of the routes' <c>Match:Hosts</c>). <see cref="Resolve"/> returns null when ACME is off or a setting FAILs, so
/// nothing half-configured ever talks to a CA.
/// </summary>
internal sealed class AcmeOptionsValidator(ConfigContext context, IConfiguration configuration) : OptionsValidator<AcmeOptions>
{
    private const string Key = AcmeOptions.SectionName;

    public override void Check(AcmeOptions options, ConfigReport report) =>
        Resolve(options, configuration, context.ContentRoot, context.Endpoints(), context.Routes(), report);

    /// <summary>
    /// What the issuer runs on, or null when ACME is off or anything about it FAILs (in <paramref name="report"/>). The
    /// routes are <paramref name="routes"/> as YARP read them: their literal Match:Hosts are managed when Hosts lists none.
    /// </summary>
    public static AcmeSettings? Resolve(AcmeOptions options, IConfiguration config, string contentRoot, IReadOnlyList<EndpointSpec> endpoints,
        IReadOnlyList<Yarp.ReverseProxy.Configuration.RouteConfig> routes, ConfigReport report)
    {
        if (!options.Enabled)
        {
            return null;
        }

        var failures = report.Failures.Count();
        const string key = Key;
        var directory = ReadDirectory(options.DirectoryUrl, report);
        if (!options.AcceptTermsOfService)
        {
            report.Fail(key + ":AcceptTermsOfService", "must be true: the CA's terms of service are agreed to when EdgeProxy creates its account");
        }

        var email = options.Email;
        if (string.IsNullOrWhiteSpace(email))
        {
            report.Warn(key + ":Email", "not set: the CA cannot warn you about expiring certificates or policy changes");
        }
        else if (!email.Contains('@', StringComparison.Ordinal) || email.Contains(':', StringComparison.Ordinal))
        {
            report.Fail(key + ":Email", $"'{email}' is not an email address");
        }

        // None listed: both. A name that is not a challenge was refused by ValueCheck.
        var challenges = options.Challenges is { Length: > 0 } listed ? listed.ToHashSet() : [AcmeChallengeType.Http01, AcmeChallengeType.TlsAlpn01];
        if (challenges.Contains(AcmeChallengeType.Http01) && !endpoints.Any(e => !e.IsHttps))
        {
            report.Warn(key + ":Challenges", "Http01 needs a plain http listener reachable on port 80; none is configured");
        }

        if (!endpoints.Any(e => e.IsHttps))
        {
            report.Fail(key + ":Enabled", "no https listener to serve the certificates on");
        }

        var renewBefore = options.RenewBefore?.Value;
        if (renewBefore is { } r && r <= TimeSpan.Zero)
        {
            report.Fail(key + ":RenewBefore", "must be longer than 0; remove it for the default (a third of the lifetime)");
        }

        var caBundle = ReadCaBundle(options.CaBundle, contentRoot, report);
        var fileCertificates = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var hosts = AcmeHosts.Resolve(options.Hosts ?? [], routes, endpoints, report, fileCertificates);
        var dataPath = BoundOptions.Get<EdgeProxyOptions>(config).ResolveDataPath(contentRoot);
        var storage = Path.GetFullPath(string.IsNullOrWhiteSpace(options.StoragePath) ? "acme" : options.StoragePath, dataPath);
        if (report.Failures.Count() > failures || directory is null)
        {
            return null;
        }

        report.Ok(key, $"{directory} for {(hosts.Count == 0 ? "no host yet" : string.Join(", ", hosts))}; storage {storage}");
        return new AcmeSettings(directory, string.IsNullOrWhiteSpace(email) ? null : email.Trim(), hosts, challenges, options.KeyType, renewBefore, caBundle, storage, fileCertificates);
    }

    private static Uri? ReadDirectory(string? text, ConfigReport report)
    {
        text ??= AcmeOptions.LetsEncrypt;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            report.Fail(Key + ":DirectoryUrl", $"'{text}' is not an https:// URL; Let's Encrypt is {AcmeOptions.LetsEncrypt} (staging {AcmeOptions.LetsEncryptStaging})");
            return null;
        }

        return uri;
    }

    private static string? ReadCaBundle(string? file, string contentRoot, ConfigReport report)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            return null;
        }

        var path = Path.GetFullPath(file, contentRoot);
        try
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(path);
            if (roots.Count == 0)
            {
                report.Fail(Key + ":CaBundle", $"'{path}' holds no PEM certificate");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            report.Fail(Key + ":CaBundle", $"'{path}' cannot be read: {ex.Message}");
        }

        return path;
    }

    public static bool IsIpAddress(string host) => IPAddress.TryParse(host.Trim('[', ']'), out _);
}
