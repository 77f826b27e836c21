using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.Tls;

/// <summary>
/// The listener keys of <c>Kestrel</c> (<c>Endpoints</c> and <c>Certificates:Default</c>), in Kestrel's own endpoint
/// schema. Kestrel has no public options type for them (its loader reads them by hand), so this one is EdgeProxy's;
/// the rest of the section binds to <see cref="KestrelServerOptions"/> (Limits, AddServerHeader ...).
/// </summary>
public sealed class ListenerOptions
{
    /// <summary>The configuration section these options bind to: <c>Kestrel</c>.</summary>
    public const string SectionName = "Kestrel";

    /// <summary>
    /// The listeners, by name. Default when none is named: Http on *:8080 (redirects to https) and Https on *:8443.
    /// Naming any listener replaces both defaults, so a file with only Https opens no plain http port.
    /// </summary>
    public Dictionary<string, ListenerEndpointOptions> Endpoints { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Certificates shared by the listeners.</summary>
    public ListenerCertificatesOptions Certificates { get; set; } = new();
}

/// <summary><c>Kestrel:Certificates</c>.</summary>
public sealed class ListenerCertificatesOptions
{
    /// <summary>The certificate of every https endpoint and SNI entry that names none. Default none: a self-signed one is generated, which browsers refuse.</summary>
    public CertificateFileOptions? Default { get; set; }
}

/// <summary>The TLS settings of an endpoint, and of one of its SNI server names (which inherits what it leaves out).</summary>
public class ListenerTlsOptions
{
    /// <summary>Http1, Http2, Http1AndHttp2 (default) or Http1AndHttp2AndHttp3 (HTTP/3 only where the platform has QUIC).</summary>
    public HttpProtocols? Protocols { get; set; }

    /// <summary>
    /// TLS versions, a list or one comma-separated value. Default ["Tls12", "Tls13"]. Tls and Tls11 WARN (RFC 8996
    /// deprecates them); Ssl2 and Ssl3 are refused.
    /// </summary>
    public TlsVersionCollection? SslProtocols { get; set; }

    /// <summary>
    /// NoCertificate (default), AllowCertificate or RequireCertificate; validated against
    /// EdgeProxy:ClientCertificates:TrustedCaFiles. Anything but NoCertificate asks every client for a certificate.
    /// </summary>
    public ClientCertificateMode? ClientCertificateMode { get; set; }

    /// <summary>The certificate served; default the endpoint's (for an SNI name), then Kestrel:Certificates:Default.</summary>
    public CertificateFileOptions? Certificate { get; set; }
}

/// <summary><c>Kestrel:Endpoints:&lt;name&gt;</c>: one listener.</summary>
public sealed class ListenerEndpointOptions : ListenerTlsOptions
{
    /// <summary>
    /// http://HOST:PORT or https://HOST:PORT; HOST is *, localhost or an IP address; port 0 picks a free one. Required.
    /// A plain http listener redirects to https unless EdgeProxy:HttpsRedirect says otherwise.
    /// </summary>
    public string? Url { get; set; }

    /// <summary>Per server name (exact, *.example.com or *): a certificate and TLS settings. Https endpoints only.</summary>
    public Dictionary<string, ListenerTlsOptions> Sni { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>A certificate as Kestrel's configuration describes it: files, never the machine store.</summary>
public sealed class CertificateFileOptions
{
    /// <summary>PEM certificate followed by its intermediates (fullchain.pem), or a .pfx/.p12 file. Relative to the working folder.</summary>
    public string? Path { get; set; }

    /// <summary>PEM private key of a PEM certificate.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Password of the PFX, or of an encrypted PEM key.</summary>
    public string? Password { get; set; }
}
