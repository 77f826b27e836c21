using System.Collections.Frozen;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// Every header any proxy has used to carry a client certificate. All of them — and their underscore
/// spellings, which some servers fold into the same CGI variable — are removed from every inbound
/// request, whatever the route forwards (the CVE-2026-46579 pattern: a proxy that strips only the
/// header it sets lets a client forge the others).
/// </summary>
internal static class CertificateHeaderNames
{
    public const string Xfcc = "X-Forwarded-Client-Cert";
    public const string NginxCert = "X-SSL-Client-Cert";
    public const string NginxVerify = "X-SSL-Client-Verify";
    public const string NginxSubject = "X-SSL-Client-S-DN";
    public const string NginxIssuer = "X-SSL-Client-I-DN";
    public const string ClientCert = "Client-Cert";
    public const string ClientCertChain = "Client-Cert-Chain";
    public const string Base64Der = "X-Client-Cert";
    public const string Traefik = "X-Forwarded-Tls-Client-Cert";
    public const string TraefikInfo = "X-Forwarded-Tls-Client-Cert-Info";

    public static readonly string[] Known =
    [
        Xfcc, NginxCert, NginxVerify, NginxSubject, NginxIssuer, ClientCert, ClientCertChain, Base64Der, Traefik, TraefikInfo,
        "X-SSL-Client-DN", "X-SSL-Client-Fingerprint", "X-SSL-Client-Serial", "X-SSL-Client-Escaped-Cert", "X-SSL-Cert",
        "X-SSL-Client-Cert-Chain", "X-SSL-Client-Verified", "X-Client-Verify", "X-Client-DN", "X-Client-Certificate",
        "X-Client-Cert-Chain", "X-ARR-ClientCert", "SSL-Client-Cert", "SSL-Client-Verify", "SSL-Client-S-DN", "SSL-Client-I-DN",
        "X-Forwarded-SSL-Client-Cert", "X-Amzn-Mtls-Clientcert", "X-Amzn-Mtls-Clientcert-Leaf",
    ];

    /// <summary>Known names, configured replacements, and the underscore spelling of each.</summary>
    public static FrozenSet<string> StripList(IEnumerable<string> configured) =>
        Known.Concat(configured)
            .SelectMany(name => new[] { name, name.Replace('-', '_') })
            .ToFrozenSet(StringComparer.OrdinalIgnoreCase);
}
