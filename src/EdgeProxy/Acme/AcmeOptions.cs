using EdgeProxy.Configuration;

namespace EdgeProxy.Acme;

/// <summary>
/// <c>EdgeProxy:Certificates:Acme</c>: certificates obtained and renewed from an ACME CA (RFC 8555) for the
/// host names the routes serve, one certificate per host name, without a restart or a second tool.
/// </summary>
public sealed class AcmeOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:Certificates:Acme</c>.</summary>
    public const string SectionName = "EdgeProxy:Certificates:Acme";

    /// <summary>Let's Encrypt's production directory, the default <see cref="DirectoryUrl"/>: browser-trusted certificates, strict rate limits.</summary>
    public const string LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory";

    /// <summary>
    /// Let's Encrypt's staging directory: far higher rate limits, but its certificates are not trusted by
    /// browsers. For trying a configuration out, never for real clients.
    /// </summary>
    public const string LetsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory";

    /// <summary>Default false. When true, every host in <see cref="Hosts"/> gets a certificate from <see cref="DirectoryUrl"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>Default Let's Encrypt production. Use <see cref="LetsEncryptStaging"/> while trying things out (its rate limits are far higher).</summary>
    public string DirectoryUrl { get; set; } = LetsEncrypt;

    /// <summary>Contact for expiry and policy mail from the CA. Default none (check WARNs).</summary>
    public string? Email { get; set; }

    /// <summary>Must be true: the CA's terms of service are agreed to when the account is created. Default false.</summary>
    public bool AcceptTermsOfService { get; set; }

    /// <summary>Host names to obtain certificates for. Default: the literal (non-wildcard) names in route <c>Match:Hosts</c>.</summary>
    public string[] Hosts { get; set; } = [];

    /// <summary>
    /// Challenge types to offer. Default (none listed) both <c>Http01</c> and <c>TlsAlpn01</c>. Empty by default because
    /// the configuration binder appends a configured list to the default one instead of replacing it.
    /// </summary>
    public AcmeChallengeType[] Challenges { get; set; } = [];

    /// <summary>Key of each certificate; a fresh key per certificate. Default <c>EcdsaP256</c>.</summary>
    public AcmeKeyType KeyType { get; set; } = AcmeKeyType.EcdsaP256;

    /// <summary>
    /// Renew when this much lifetime remains. Default: a third of the certificate's lifetime (half when the
    /// lifetime is under 10 days), so shorter certificates are handled without configuration.
    /// </summary>
    public Duration? RenewBefore { get; set; }

    /// <summary>PEM file of extra roots to trust for the CA's HTTPS API (a private CA such as step-ca or pebble). Default none: the system roots.</summary>
    public string? CaBundle { get; set; }

    /// <summary>Folder for the account key and certificates, relative to <c>EdgeProxy:DataPath</c>. Default <c>acme</c>. Keys are written 0600.</summary>
    public string StoragePath { get; set; } = "acme";
}

/// <summary>ACME challenge types EdgeProxy can answer.</summary>
public enum AcmeChallengeType
{
    /// <summary>
    /// RFC 8555 <c>http-01</c>, answered on the plain http listener, which the CA must reach on port 80.
    /// Preferred when both are listed.
    /// </summary>
    Http01,

    /// <summary>
    /// RFC 8737 <c>tls-alpn-01</c>, answered on the https listener, which the CA must reach on port 443. Only
    /// handshakes offering ALPN <c>acme-tls/1</c> are answered with the challenge certificate; others are untouched.
    /// </summary>
    TlsAlpn01,
}

/// <summary>Certificate key types.</summary>
public enum AcmeKeyType
{
    /// <summary>ECDSA on NIST P-256. The default.</summary>
    EcdsaP256,

    /// <summary>ECDSA on NIST P-384.</summary>
    EcdsaP384,
}
