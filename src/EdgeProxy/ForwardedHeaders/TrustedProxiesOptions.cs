namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// Who may tell EdgeProxy who the client is (<c>EdgeProxy:TrustedProxies</c>). Reloaded with the file,
/// except <see cref="ProxyProtocol"/>, which is read when the listeners are bound.
/// </summary>
public sealed class TrustedProxiesOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:TrustedProxies</c>.</summary>
    public const string SectionName = "EdgeProxy:TrustedProxies";

    /// <summary>
    /// CIDRs and bare addresses (a bare address is /32 or /128) of the load balancers, CDNs and proxies in
    /// front of EdgeProxy. Default empty: <b>nobody is trusted</b>; every forwarded header from every peer is
    /// removed and the client is the TCP peer. IPv4 networks also match IPv4-mapped IPv6 peers.
    /// <c>0.0.0.0/0</c> or <c>::/0</c> trusts the whole internet to name any client; <c>check</c> WARNs.
    /// </summary>
    public string[] Networks { get; set; } = [];

    /// <summary>
    /// Which header a trusted peer's client chain is read from: <c>XForwardedFor</c> (default) or
    /// <c>Forwarded</c> (RFC 7239 <c>for=</c>, with <c>proto=</c> and <c>host=</c> of the same element).
    /// The other one is removed like any untrusted header.
    /// </summary>
    public ForwardedSource Source { get; set; } = ForwardedSource.XForwardedFor;

    /// <summary>
    /// Names of <c>Kestrel:Endpoints</c> entries that expect a PROXY protocol (v1 or v2) header first on every
    /// connection (AWS NLB, HAProxy <c>send-proxy</c>). Default none. Such a connection is accepted only from
    /// <see cref="Networks"/>; any other peer, or a malformed header, is closed and logged.
    /// </summary>
    public string[] ProxyProtocol { get; set; } = [];

    /// <summary>
    /// Also send an RFC 7239 <c>Forwarded</c> header to the upstream (beside the X-Forwarded-* set).
    /// Default <c>false</c>: most apps read X-Forwarded-*, and two disagreeing sources confuse some frameworks.
    /// </summary>
    public bool EmitForwarded { get; set; }
}
