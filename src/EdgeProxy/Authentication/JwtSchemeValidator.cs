using System.Security.Cryptography;
using EdgeProxy.Configuration;

namespace EdgeProxy.Authentication;

/// <summary>One <c>EdgeProxy:Authentication:Jwt:&lt;scheme&gt;</c>: every problem at once, each under its full key.</summary>
internal static class JwtSchemeValidator
{
    public static void Validate(IConfiguration config, IConfigurationSection scheme, string contentRoot, ConfigReport report)
    {
        var key = scheme.Path;
        var before = report.Failures.Count();
        var requireHttps = ConfigValues.ReadBool(scheme, "RequireHttpsMetadata", report) ?? true;
        if (!requireHttps)
        {
            report.Warn(key + ":RequireHttpsMetadata", "false: discovery and keys may be fetched over plain HTTP, where anyone on the path can substitute signing keys");
        }

        var authority = scheme["Authority"];
        if (string.IsNullOrWhiteSpace(authority))
        {
            report.Fail(key + ":Authority", "required: the issuer's URL, as in the tokens' iss claim");
        }
        else
        {
            CheckUrl(key + ":Authority", authority, requireHttps && string.IsNullOrEmpty(scheme["MetadataAddress"]), report);
        }

        if (scheme["MetadataAddress"] is { Length: > 0 } metadata)
        {
            CheckUrl(key + ":MetadataAddress", metadata, requireHttps, report);
        }

        var audiences = ConfigValues.ReadList(scheme, "Audiences", report);
        if (audiences.Count == 0)
        {
            report.Fail(key + ":Audiences", "required: the aud value(s) the issuer puts in tokens meant for these routes; without it any token from this issuer would do");
        }

        foreach (var (algorithm, i) in ConfigValues.ReadList(scheme, "Algorithms", report).Select((a, i) => (a, i)))
        {
            if (algorithm.Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                report.Fail($"{key}:Algorithms:{i}", "'none' is never accepted: it means an unsigned token");
            }
            else if (algorithm.StartsWith("HS", StringComparison.OrdinalIgnoreCase))
            {
                report.Fail($"{key}:Algorithms:{i}", $"'{algorithm}' is refused: keys come from a public JWKS, so a symmetric algorithm would let anyone with the public key sign (algorithm confusion)");
            }
            else if (!JwtSchemeOptions.AsymmetricAlgorithms.Contains(algorithm, StringComparer.Ordinal))
            {
                report.Fail($"{key}:Algorithms:{i}", $"'{algorithm}' is not one of {string.Join(", ", JwtSchemeOptions.AsymmetricAlgorithms)}");
            }
        }

        var skew = Duration.Read(config, key + ":ClockSkew", TimeSpan.FromMinutes(1), report);
        if (skew > TimeSpan.FromMinutes(5))
        {
            report.Warn(key + ":ClockSkew", $"{skew} lets expired tokens through for that long; keep it under 5m");
        }

        if (Duration.Read(config, key + ":RefreshInterval", TimeSpan.FromMinutes(1), report) < TimeSpan.FromSeconds(1))
        {
            report.Fail(key + ":RefreshInterval", "must be at least 1s (it rate-limits key refreshes on unknown kid)");
        }

        if (Duration.Read(config, key + ":AutomaticRefreshInterval", TimeSpan.FromHours(12), report) < TimeSpan.FromMinutes(5))
        {
            report.Fail(key + ":AutomaticRefreshInterval", "must be at least 5m");
        }

        if (Duration.Read(config, key + ":MetadataTimeout", TimeSpan.FromSeconds(10), report) <= TimeSpan.Zero)
        {
            report.Fail(key + ":MetadataTimeout", "must be more than 0");
        }

        foreach (var claim in new[] { "UserClaim", "EmailClaim", "GroupsClaim", "RoleClaim" })
        {
            if (scheme[claim] is { } value && string.IsNullOrWhiteSpace(value))
            {
                report.Fail($"{key}:{claim}", "empty; name a claim such as \"sub\"");
            }
        }

        CheckCaBundle(key + ":CaBundle", scheme["CaBundle"], contentRoot, report);

        if (report.Failures.Count() == before)
        {
            var metadataAddress = scheme["MetadataAddress"] is { Length: > 0 } m ? m : authority!.TrimEnd('/') + "/.well-known/openid-configuration";
            report.Ok(key, $"issuer {authority}, discovery {metadataAddress}, audiences {string.Join(", ", audiences)}");
        }
    }

    private static void CheckUrl(string key, string value, bool requireHttps, ConfigReport report)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            report.Fail(key, $"'{value}' is not an absolute http:// or https:// URL");
        }
        else if (requireHttps && uri.Scheme != "https")
        {
            report.Fail(key, $"'{value}' is plain HTTP; use https, or set RequireHttpsMetadata to false (only on a network you trust)");
        }
    }

    private static void CheckCaBundle(string key, string? path, string contentRoot, ConfigReport report)
    {
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        var full = IssuerBackchannel.ResolvePath(path, contentRoot);
        if (!File.Exists(full))
        {
            report.Fail(key, $"'{full}' not found");
            return;
        }

        try
        {
            if (IssuerBackchannel.LoadBundle(full).Count == 0)
            {
                report.Fail(key, $"'{full}' holds no PEM certificate");
            }
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            report.Fail(key, $"'{full}' cannot be read: {ex.Message}");
        }
    }
}
