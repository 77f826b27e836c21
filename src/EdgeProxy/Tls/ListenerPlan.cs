namespace EdgeProxy.Tls;

/// <summary>What the listeners are, from validated configuration: at start, and again after each accepted reload.</summary>
/// <param name="Endpoints">The <c>Kestrel:Endpoints</c> listeners.</param>
/// <param name="AdminAddresses">The admin listener's addresses.</param>
/// <param name="SelfSigned">The generated certificate, when some TLS listener has none.</param>
/// <param name="ProxyProtocol">The endpoints that expect a PROXY protocol header (<c>EdgeProxy:TrustedProxies:ProxyProtocol</c>).</param>
internal sealed record ListenerPlan(
    IReadOnlyList<EndpointSpec> Endpoints,
    IReadOnlyList<BindingAddress> AdminAddresses,
    CertificateSpec? SelfSigned,
    IReadOnlySet<string> ProxyProtocol)
{
    /// <summary>True when some TLS endpoint (or SNI entry) has no certificate and needs the self-signed one.</summary>
    public static bool NeedsSelfSigned(IEnumerable<EndpointSpec> endpoints) =>
        endpoints.Any(e => e.IsHttps && e.Tls.Certificate is null && e.Sni.Count == 0);

    /// <summary>The listener settings of other sections, bound from <paramref name="config"/> as it is now (no options cache in between).</summary>
    public static (IReadOnlyList<BindingAddress> Admin, IReadOnlySet<string> ProxyProtocol) Others(IConfiguration config)
    {
        var admin = Configuration.BoundOptions.Get<Admin.AdminOptions>(config);
        var trusted = Configuration.BoundOptions.Get<ForwardedHeaders.TrustedProxiesOptions>(config);
        return (Admin.AdminOptionsValidator.Addresses(admin, new Configuration.ConfigReport()), new HashSet<string>(trusted.ProxyProtocol ?? [], StringComparer.OrdinalIgnoreCase));
    }
}
