namespace EdgeProxy.Tls;

/// <summary>What the listeners will be, decided once at start from validated configuration.</summary>
internal sealed record ListenerPlan(
    IReadOnlyList<EndpointSpec> Endpoints,
    IReadOnlyList<BindingAddress> AdminAddresses,
    CertificateSpec? SelfSigned)
{
    /// <summary>True when some TLS endpoint (or SNI entry) has no certificate and needs the self-signed one.</summary>
    public static bool NeedsSelfSigned(IEnumerable<EndpointSpec> endpoints) =>
        endpoints.Any(e => e.IsHttps && e.Tls.Certificate is null && e.Sni.Count == 0);
}
