using EdgeProxy.Configuration;

namespace EdgeProxy.Authentication;

/// <summary>
/// One bound <c>EdgeProxy:Authorization:Policies:&lt;name&gt;</c>: reserved names, known schemes, well-formed
/// conditions. A claim given one value instead of a list was refused by <see cref="ValueCheck"/>.
/// </summary>
internal static class RoutePolicyValidator
{
    public static void Check(string name, RoutePolicyOptions policy, IReadOnlySet<string> schemes, ConfigReport report)
    {
        var key = $"{EdgeProxyAuthorizationOptions.SectionName}:Policies:{name}";
        var before = report.Failures.Count();
        if (name.Equals("Default", StringComparison.OrdinalIgnoreCase) || name.Equals("Anonymous", StringComparison.OrdinalIgnoreCase))
        {
            report.Fail(key, $"'{name}' is reserved by YARP (\"AuthorizationPolicy\": \"Default\" or \"Anonymous\"); choose another name");
        }

        foreach (var (scheme, i) in (policy.Schemes ?? []).Select((s, i) => (s ?? string.Empty, i)))
        {
            if (!schemes.Contains(scheme))
            {
                report.Fail($"{key}:Schemes:{i}", $"'{scheme}' is not defined under {EdgeProxyAuthenticationOptions.SectionName}:Jwt");
            }
        }

        foreach (var (scope, i) in (policy.Scopes ?? []).Select((s, i) => (s, i)))
        {
            if (string.IsNullOrWhiteSpace(scope) || scope.Contains(' ', StringComparison.Ordinal))
            {
                report.Fail($"{key}:Scopes:{i}", $"'{scope}' is not a single scope; list each scope as its own entry");
            }
        }

        if (report.Failures.Count() == before)
        {
            report.Ok(key, Describe(policy, schemes));
        }
    }

    private static string Describe(RoutePolicyOptions policy, IReadOnlySet<string> schemes)
    {
        IEnumerable<string> listed = policy.Schemes is { Length: > 0 } s ? s : schemes;
        var parts = new List<string> { $"a valid token from {string.Join(" or ", listed)}" };
        parts.AddRange((policy.Claims ?? []).Select(c => $"{c.Key} in [{string.Join(", ", c.Value ?? [])}]"));
        if (policy.Scopes is { Length: > 0 } scopes)
        {
            parts.Add("scopes " + string.Join(" ", scopes));
        }

        if (policy.Roles is { Length: > 0 } roles)
        {
            parts.Add("a role of " + string.Join(", ", roles));
        }

        return "needs " + string.Join(" + ", parts);
    }
}
