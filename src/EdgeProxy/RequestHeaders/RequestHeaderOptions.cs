namespace EdgeProxy.RequestHeaders;

/// <summary>
/// <c>EdgeProxy:RequestHeaders</c>: additions to the built-in list of headers only a proxy may set
/// (<see cref="KnownRequestHeaders"/>: identity, client-address, certificate, URL-override and method-override
/// headers of the common load balancers, CDNs and authenticating proxies). Names match whatever their case and
/// separators (<c>X-My-User</c>, <c>x_my_user</c>); a trailing <c>*</c> makes a prefix. Reloaded with the file.
/// </summary>
public sealed class RequestHeaderOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:RequestHeaders</c>.</summary>
    public const string SectionName = "EdgeProxy:RequestHeaders";

    /// <summary>
    /// Default none. More headers to remove from every request, from every peer, before anything reads them: the
    /// ones your own front end or app uses to carry identity (e.g. <c>X-MyCorp-User</c>, <c>X-Tenant-*</c>).
    /// </summary>
    public string[] Strip { get; set; } = [];

    /// <summary>
    /// Default none: every listed header is removed from every peer, trusted or not, because a trusted balancer
    /// usually passes a client's own copy on. Names here reach the upstream when the TCP peer is in
    /// <c>EdgeProxy:TrustedProxies:Networks</c> and are removed from everyone else: the headers an authenticating
    /// proxy or CDN in front sets and overwrites itself (oauth2-proxy's <c>X-Forwarded-Email</c>, IAP's
    /// <c>X-Goog-Authenticated-User-Email</c>, <c>CF-IPCountry</c>). Headers EdgeProxy writes (X-Forwarded-For,
    /// -Proto, -Host, -Port, -Prefix, X-Real-IP, Forwarded, X-Auth-Request-User/-Email/-Groups), certificate headers
    /// (see <c>EdgeProxy:ClientCertificates:AcceptFromTrustedProxies</c>), URL and method overrides cannot be listed.
    /// Security: list only headers your front end always sets or removes; any it passes through can be forged.
    /// </summary>
    public string[] AcceptFromTrustedProxies { get; set; } = [];
}
