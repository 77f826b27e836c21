using EdgeProxy.Configuration;

namespace EdgeProxy.Authentication;

/// <summary>One <c>EdgeProxy:Authorization:Policies:&lt;name&gt;</c>: reserved names, known schemes, well-formed conditions.</summary>
internal static class RoutePolicyValidator
{
    public static void Validate(IConfigurationSection policy, HashSet<string> schemes, ConfigReport report)
    {
        var key = policy.Path;
        var before = report.Failures.Count();
        if (policy.Key.Equals("Default", StringComparison.OrdinalIgnoreCase) || policy.Key.Equals("Anonymous", StringComparison.OrdinalIgnoreCase))
        {
            report.Fail(key, $"'{policy.Key}' is reserved by YARP (\"AuthorizationPolicy\": \"Default\" or \"Anonymous\"); choose another name");
        }

        foreach (var (scheme, i) in ConfigValues.ReadList(policy, "Schemes", report).Select((s, i) => (s, i)))
        {
            if (!schemes.Contains(scheme))
            {
                report.Fail($"{key}:Schemes:{i}", $"'{scheme}' is not defined under {EdgeProxyAuthenticationOptions.SectionName}:Jwt");
            }
        }

        foreach (var (scope, i) in ConfigValues.ReadList(policy, "Scopes", report).Select((s, i) => (s, i)))
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
}
