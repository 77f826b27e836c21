namespace EdgeProxy.Hsts;

/// <summary>
/// <c>EdgeProxy:Hsts</c>: exactly one owner of <c>Strict-Transport-Security</c>. Sent only on HTTPS
/// responses, never over plain HTTP (a browser ignores it there, and it must not be cached by proxies).
/// </summary>
public sealed class HstsOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:Hsts</c>.</summary>
    public const string SectionName = "EdgeProxy:Hsts";

    /// <summary>Default <see cref="HstsOwner.Proxy"/>: the upstream's header is removed and ours is sent.</summary>
    public HstsOwner Owner { get; set; } = HstsOwner.Proxy;

    /// <summary>
    /// <c>max-age</c>. Default 365 days. Seconds (<c>31536000</c>) or a duration (<c>365d</c>).
    /// <c>0</c> tells browsers to forget the host: the safe way to undo HSTS.
    /// </summary>
    public string MaxAge { get; set; } = "365d";

    /// <summary>Adds <c>includeSubDomains</c>. Default false: every subdomain must then serve HTTPS too.</summary>
    public bool IncludeSubDomains { get; set; }

    /// <summary>
    /// Adds <c>preload</c>. Default false. Requires MaxAge ≥ 1 year, IncludeSubDomains and the HTTP→HTTPS
    /// redirect (hstspreload.org's rules); check FAILs otherwise. Preloading is hard to undo.
    /// </summary>
    public bool Preload { get; set; }

    /// <summary>Host names that never get EdgeProxy's header (the upstream's is still removed in Proxy mode). Default none.</summary>
    public string[] ExcludedHosts { get; set; } = [];

    /// <summary>Per host name (exact, or <c>*.example.com</c>): Owner, MaxAge, IncludeSubDomains, Preload overrides. Default none.</summary>
    public Dictionary<string, HstsHostOptions> Hosts { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Overrides for one host under <c>EdgeProxy:Hsts:Hosts:&lt;host&gt;</c>; unset values inherit.</summary>
public sealed class HstsHostOptions
{
    /// <summary>Default: inherit <see cref="HstsOptions.Owner"/>. Who owns the header for this host.</summary>
    public HstsOwner? Owner { get; set; }

    /// <summary>
    /// Default: inherit <see cref="HstsOptions.MaxAge"/>. Seconds or a duration, as there; <c>0</c> makes
    /// browsers forget HSTS for this host.
    /// </summary>
    public string? MaxAge { get; set; }

    /// <summary>
    /// Default: inherit <see cref="HstsOptions.IncludeSubDomains"/>. When true, every subdomain of this host
    /// must serve HTTPS too.
    /// </summary>
    public bool? IncludeSubDomains { get; set; }

    /// <summary>
    /// Default: inherit <see cref="HstsOptions.Preload"/>. The same rules apply to this host's effective
    /// MaxAge and IncludeSubDomains (check FAILs otherwise); preloading is hard to undo.
    /// </summary>
    public bool? Preload { get; set; }
}
