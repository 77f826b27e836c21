namespace EdgeProxy.Authentication;

/// <summary><c>EdgeProxy:Authentication</c>: the token issuers EdgeProxy trusts, by scheme name. Default none.</summary>
public sealed class EdgeProxyAuthenticationOptions
{
    public const string SectionName = "EdgeProxy:Authentication";

    /// <summary>Named JWT bearer schemes; policies refer to them by name.</summary>
    public Dictionary<string, JwtSchemeOptions> Jwt { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
