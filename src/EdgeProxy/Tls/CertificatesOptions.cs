using EdgeProxy.Configuration;

namespace EdgeProxy.Tls;

/// <summary>
/// <c>EdgeProxy:Certificates</c>: how certificate files are watched, and the names of the generated self-signed
/// certificate. ACME has its own section under this one (<c>EdgeProxy:Certificates:Acme</c>).
/// </summary>
public sealed class CertificatesOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:Certificates</c>.</summary>
    public const string SectionName = "EdgeProxy:Certificates";

    /// <summary>
    /// How often certificate and key files are checked for changes (symlink swaps of a Kubernetes Secret included).
    /// Default <c>2s</c>; at least <c>100ms</c>. A renewed pair is served to new handshakes within this long.
    /// </summary>
    public Duration ReloadInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The certificate generated for TLS listeners that name none.</summary>
    public SelfSignedOptions SelfSigned { get; set; } = new();
}

/// <summary><c>EdgeProxy:Certificates:SelfSigned</c>.</summary>
public sealed class SelfSignedOptions
{
    /// <summary>
    /// Extra names in the generated certificate, beside localhost, 127.0.0.1 and ::1. Default none. Browsers still
    /// refuse it: a self-signed certificate is for a first start and for tests, never for users.
    /// </summary>
    public string[] Hosts { get; set; } = [];
}
