namespace EdgeProxy.Authentication;

/// <summary>
/// <c>EdgeProxy:Authorization</c>: named policies that YARP routes select with <c>"AuthorizationPolicy": "&lt;name&gt;"</c>.
/// Reloaded with the file.
/// </summary>
public sealed class EdgeProxyAuthorizationOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:Authorization</c>.</summary>
    public const string SectionName = "EdgeProxy:Authorization";

    /// <summary>
    /// Default none: routes without an <c>AuthorizationPolicy</c> are anonymous. When set, they (and requests no
    /// route matches) need this policy; a route opts out with <c>"AuthorizationPolicy": "Anonymous"</c>.
    /// </summary>
    public string? DefaultPolicy { get; set; }

    /// <summary>
    /// Default none. Policies by name (case-insensitive), for routes' <c>AuthorizationPolicy</c> and
    /// <see cref="DefaultPolicy"/>. <c>Default</c> and <c>Anonymous</c> are YARP's and cannot be used as names.
    /// </summary>
    public Dictionary<string, RoutePolicyOptions> Policies { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// One policy under <c>EdgeProxy:Authorization:Policies:&lt;name&gt;</c>. Every policy requires a valid token; each
/// listed condition must also hold.
/// </summary>
public sealed class RoutePolicyOptions
{
    /// <summary>Default: every scheme under <c>EdgeProxy:Authentication:Jwt</c>. The schemes whose tokens count.</summary>
    public string[] Schemes { get; set; } = [];

    /// <summary>Default none. Claim type → accepted values (any one); an empty list only requires the claim to exist.</summary>
    public Dictionary<string, string[]> Claims { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Default none. Every scope listed must be in the token's space-separated <c>scope</c> or <c>scp</c> claim.</summary>
    public string[] Scopes { get; set; } = [];

    /// <summary>Default none. At least one of these roles (the scheme's <c>RoleClaim</c>).</summary>
    public string[] Roles { get; set; } = [];
}
