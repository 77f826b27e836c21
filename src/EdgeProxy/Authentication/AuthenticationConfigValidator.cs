using System.Security.Cryptography;
using EdgeProxy.Configuration;
using Microsoft.AspNetCore.Authorization;
using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeProxy.Authentication;

/// <summary>
/// <c>EdgeProxy:Authentication</c> and <c>EdgeProxy:Authorization</c>: every scheme, every policy and every route
/// that names one, all problems at once. Routes' policy names and metadata are checked by YARP's own validator
/// through <see cref="AddRouteValidation"/>.
/// </summary>
internal static class AuthenticationConfigValidator
{
    private static readonly HashSet<string> SchemeKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authority", "MetadataAddress", "Audiences", "ValidIssuers", "RequireHttpsMetadata", "ClockSkew", "Algorithms", "RefreshInterval",
        "AutomaticRefreshInterval", "MetadataTimeout", "CaBundle", "UserClaim", "EmailClaim", "GroupsClaim", "RoleClaim",
    };

    private static readonly HashSet<string> PolicyKeys = new(StringComparer.OrdinalIgnoreCase) { "Schemes", "Claims", "Scopes", "Roles" };

    public static void Validate(IConfiguration config, string contentRoot, ConfigReport report)
    {
        var schemes = config.GetSection(EdgeProxyAuthenticationOptions.SectionName + ":Jwt").GetChildren().ToList();
        foreach (var scheme in schemes)
        {
            ValidateScheme(config, scheme, contentRoot, report);
        }

        var names = schemes.Select(s => s.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var authorization = config.GetSection(EdgeProxyAuthorizationOptions.SectionName);
        var policies = authorization.GetSection("Policies").GetChildren().ToList();
        foreach (var policy in policies)
        {
            ValidatePolicy(policy, names, report);
        }

        var defaultPolicy = authorization["DefaultPolicy"];
        if (!string.IsNullOrEmpty(defaultPolicy) && !policies.Any(p => p.Key.Equals(defaultPolicy, StringComparison.OrdinalIgnoreCase)))
        {
            report.Fail(authorization.Path + ":DefaultPolicy", $"'{defaultPolicy}' is not defined under {authorization.Path}:Policies");
        }
        else if (!string.IsNullOrEmpty(defaultPolicy))
        {
            report.Ok(authorization.Path + ":DefaultPolicy", $"routes without AuthorizationPolicy need '{defaultPolicy}'; opt out with \"Anonymous\"");
        }

        var protectedRoutes = config.GetSection("ReverseProxy:Routes").GetChildren()
            .Where(r => r["AuthorizationPolicy"] is { Length: > 0 } p && !p.Equals("Anonymous", StringComparison.OrdinalIgnoreCase))
            .Select(r => r.Path + ":AuthorizationPolicy")
            .ToList();
        if (names.Count == 0 && (policies.Count > 0 || !string.IsNullOrEmpty(defaultPolicy) || protectedRoutes.Count > 0))
        {
            var needer = protectedRoutes.FirstOrDefault() ?? (policies.Count > 0 ? policies[0].Path : authorization.Path + ":DefaultPolicy");
            report.Fail(EdgeProxyAuthenticationOptions.SectionName + ":Jwt", $"no scheme is configured, but {needer} needs one; add an issuer (Authority, Audiences)");
        }
    }

    /// <summary>
    /// For <c>ReverseProxyConfigValidator</c>'s throwaway YARP: the policy names this configuration defines (so
    /// routes naming them validate, and routes naming others FAIL) and the identity-header metadata checks.
    /// </summary>
    public static Action<IServiceCollection> AddRouteValidation(IConfiguration config) => services =>
    {
        var names = config.GetSection(EdgeProxyAuthorizationOptions.SectionName + ":Policies").GetChildren().Select(p => p.Key).ToList();
        services.Configure<AuthorizationOptions>(o =>
        {
            foreach (var name in names)
            {
                o.AddPolicy(name, p => p.RequireAuthenticatedUser());
            }
        });
        services.AddSingleton(new EdgeProxyAuthenticationOptions());
        services.AddSingleton<ITransformProvider, IdentityHeadersTransformProvider>();
    };

    private static void ValidateScheme(IConfiguration config, IConfigurationSection scheme, string contentRoot, ConfigReport report)
    {
        var key = scheme.Path;
        var before = report.Failures.Count();
        foreach (var unknown in scheme.GetChildren().Where(c => !SchemeKeys.Contains(c.Key)))
        {
            report.Fail(unknown.Path, $"unknown key; expected one of {string.Join(", ", SchemeKeys)}");
        }

        var requireHttps = ReadBool(scheme, "RequireHttpsMetadata", report) ?? true;
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

        var audiences = ReadList(scheme, "Audiences", report);
        if (audiences.Count == 0)
        {
            report.Fail(key + ":Audiences", "required: the aud value(s) the issuer puts in tokens meant for these routes; without it any token from this issuer would do");
        }

        foreach (var (algorithm, i) in ReadList(scheme, "Algorithms", report).Select((a, i) => (a, i)))
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

    private static void ValidatePolicy(IConfigurationSection policy, HashSet<string> schemes, ConfigReport report)
    {
        var key = policy.Path;
        var before = report.Failures.Count();
        if (policy.Key.Equals("Default", StringComparison.OrdinalIgnoreCase) || policy.Key.Equals("Anonymous", StringComparison.OrdinalIgnoreCase))
        {
            report.Fail(key, $"'{policy.Key}' is reserved by YARP (\"AuthorizationPolicy\": \"Default\" or \"Anonymous\"); choose another name");
        }

        foreach (var unknown in policy.GetChildren().Where(c => !PolicyKeys.Contains(c.Key)))
        {
            report.Fail(unknown.Path, $"unknown key; expected one of {string.Join(", ", PolicyKeys)}");
        }

        foreach (var (scheme, i) in ReadList(policy, "Schemes", report).Select((s, i) => (s, i)))
        {
            if (!schemes.Contains(scheme))
            {
                report.Fail($"{key}:Schemes:{i}", $"'{scheme}' is not defined under {EdgeProxyAuthenticationOptions.SectionName}:Jwt");
            }
        }

        foreach (var (scope, i) in ReadList(policy, "Scopes", report).Select((s, i) => (s, i)))
        {
            if (string.IsNullOrWhiteSpace(scope) || scope.Contains(' ', StringComparison.Ordinal))
            {
                report.Fail($"{key}:Scopes:{i}", $"'{scope}' is not a single scope; list each scope as its own entry");
            }
        }

        foreach (var claim in policy.GetSection("Claims").GetChildren())
        {
            if (claim.Value is not null)
            {
                report.Fail(claim.Path, "must be a list of accepted values, e.g. [\"true\"], or [] to require only that the claim exists");
            }
        }

        if (report.Failures.Count() == before)
        {
            report.Ok(key, Describe(policy, schemes));
        }
    }

    private static string Describe(IConfigurationSection policy, HashSet<string> schemes)
    {
        var listed = policy.GetSection("Schemes").GetChildren().Select(c => c.Value).ToList();
        var parts = new List<string> { $"a valid token from {string.Join(" or ", listed.Count > 0 ? listed : schemes)}" };
        parts.AddRange(policy.GetSection("Claims").GetChildren().Select(c => $"{c.Key} in [{string.Join(", ", c.GetChildren().Select(v => v.Value))}]"));
        if (policy.GetSection("Scopes").GetChildren().Any())
        {
            parts.Add("scopes " + string.Join(" ", policy.GetSection("Scopes").GetChildren().Select(c => c.Value)));
        }

        if (policy.GetSection("Roles").GetChildren().Any())
        {
            parts.Add("a role of " + string.Join(", ", policy.GetSection("Roles").GetChildren().Select(c => c.Value)));
        }

        return "needs " + string.Join(" + ", parts);
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

    private static List<string> ReadList(IConfigurationSection section, string name, ConfigReport report)
    {
        var child = section.GetSection(name);
        if (child.Value is { Length: > 0 } single)
        {
            report.Fail(child.Path, $"must be a list: [\"{single}\"]");
            return [];
        }

        return child.GetChildren().Select(c => c.Value ?? string.Empty).ToList();
    }

    private static bool? ReadBool(IConfigurationSection section, string name, ConfigReport report)
    {
        if (section[name] is not { } text)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        report.Fail($"{section.Path}:{name}", $"'{text}' is not true or false");
        return null;
    }
}
