namespace EdgeProxy.ClientCertificates;

/// <summary>
/// The certificate headers EdgeProxy writes. Every inbound certificate header — these, every other one a proxy
/// has used (<see cref="RequestHeaders.KnownRequestHeaders"/>) and the configured renames — is removed from every
/// request whatever the route forwards (the CVE-2026-46579 pattern: a proxy that strips only the header it sets
/// lets a client forge the others).
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
}
