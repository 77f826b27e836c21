namespace EdgeProxy.Authentication;

/// <summary><c>EdgeProxy:Authentication</c>: the token issuers EdgeProxy trusts, by scheme name. Default none.</summary>
public sealed class EdgeProxyAuthenticationOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:Authentication</c>.</summary>
    public const string SectionName = "EdgeProxy:Authentication";

    /// <summary>Named JWT bearer schemes; policies refer to them by name. Default none: then no route or DefaultPolicy may need a token (check FAILs).</summary>
    public Dictionary<string, JwtSchemeOptions> Jwt { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
