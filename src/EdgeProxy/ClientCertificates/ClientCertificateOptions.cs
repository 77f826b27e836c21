using EdgeProxy.ClientCertificates.Revocation;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// <c>EdgeProxy:ClientCertificates</c>. A listener asks for certificates with
/// <c>Kestrel:Endpoints:&lt;name&gt;:ClientCertificateMode</c> (AllowCertificate or RequireCertificate);
/// they are validated here, never against the machine store.
/// </summary>
public sealed class ClientCertificateOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:ClientCertificates</c>.</summary>
    public const string SectionName = "EdgeProxy:ClientCertificates";

    /// <summary>PEM bundles of the CAs (roots and intermediates) client certificates must chain to. Required when any listener asks for certificates.</summary>
    public string[] TrustedCaFiles { get; set; } = [];

    /// <summary>Default forwarding format for every route. Default <see cref="ForwardFormat.None"/>.</summary>
    public ForwardFormat Forward { get; set; } = ForwardFormat.None;

    /// <summary>Per listener (by <c>Kestrel:Endpoints</c> name) default forwarding format, overriding <see cref="Forward"/>.</summary>
    public Dictionary<string, EndpointClientCertificateOptions> Endpoints { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Header names to use instead of the defaults, keyed by the default name (e.g. <c>"X-SSL-Client-Cert": "SSL_CLIENT_CERT"</c>). Both are stripped inbound.</summary>
    public Dictionary<string, string> HeaderNames { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Behind a load balancer that already terminated mTLS: accept its certificate header in this format
    /// (<see cref="ForwardFormat.None"/>, the default, accepts nothing). Only from peers in
    /// <c>EdgeProxy:TrustedProxies:Networks</c>; the certificate is validated against <see cref="TrustedCaFiles"/>
    /// and re-emitted in the route's format. A certificate presented directly on the connection wins.
    /// </summary>
    public ForwardFormat AcceptFromTrustedProxies { get; set; } = ForwardFormat.None;

    /// <summary>
    /// Envoy's XFCC modes: <see cref="XfccMode.SanitizeSet"/> (default) sends only this hop's element;
    /// <see cref="XfccMode.AppendForward"/> keeps the XFCC a trusted peer sent and appends this hop's.
    /// </summary>
    public XfccMode XfccMode { get; set; } = XfccMode.SanitizeSet;

    /// <summary>Revocation checking. Default <see cref="RevocationMode.None"/> (check WARNs).</summary>
    public RevocationMode Revocation { get; set; } = RevocationMode.None;
}

/// <summary>What happens to an incoming <c>x-forwarded-client-cert</c> when the route forwards <see cref="ForwardFormat.Xfcc"/>.</summary>
public enum XfccMode
{
    /// <summary>
    /// The default: the incoming header is removed, from every peer, and only this hop's element is sent, so
    /// no one in front can add certificates the upstream would believe.
    /// </summary>
    SanitizeSet,

    /// <summary>
    /// The XFCC sent by a peer in <c>EdgeProxy:TrustedProxies:Networks</c> is kept and this hop's element is
    /// appended; from any other peer it is removed, as with <see cref="SanitizeSet"/>.
    /// </summary>
    AppendForward,
}

/// <summary>One listener's settings under <c>EdgeProxy:ClientCertificates:Endpoints:&lt;name&gt;</c>.</summary>
public sealed class EndpointClientCertificateOptions
{
    /// <summary>
    /// Default: inherit <see cref="ClientCertificateOptions.Forward"/>. The format for requests that arrived on this
    /// listener; a route's <c>EdgeProxy.ClientCert.Forward</c> metadata still wins.
    /// </summary>
    public ForwardFormat? Forward { get; set; }
}
