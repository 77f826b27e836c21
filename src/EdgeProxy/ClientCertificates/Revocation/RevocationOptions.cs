namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// The revocation keys of <c>EdgeProxy:ClientCertificates</c>. Revocation is checked after the client's chain
/// has been validated against the trusted CAs, during the handshake of each TLS connection that presents a
/// certificate. With <c>RequireCertificate</c> a refused certificate gets no request read on its connection;
/// with <c>AllowCertificate</c> routes decide. Verdicts are cached per certificate.
/// </summary>
public sealed class RevocationOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:ClientCertificates</c>. The same section as <see cref="ClientCertificateOptions"/>: these are its revocation keys.</summary>
    public const string SectionName = "EdgeProxy:ClientCertificates";

    /// <summary>
    /// <c>None</c> (default), <c>Crl</c>, <c>Ocsp</c> or <c>CrlOrOcsp</c>. With <c>None</c> a revoked client
    /// certificate is accepted until it expires. Otherwise, on a <c>RequireCertificate</c> listener, a revoked
    /// certificate (or, unless <c>Ocsp:SoftFail</c>, one whose status cannot be had) is refused before any request.
    /// </summary>
    public RevocationMode Revocation { get; set; } = RevocationMode.None;

    /// <summary>
    /// CRL files, PEM (<c>-----BEGIN X509 CRL-----</c>) or DER, one per CA, relative to the content root.
    /// Reloaded when they change on disk; a replacement that does not parse keeps the previous CRL. Default none.
    /// A CRL past its <c>nextUpdate</c> is still used and logged as a warning: refresh it.
    /// </summary>
    public string[] CrlFiles { get; set; } = [];

    /// <summary>How often the CRL files are checked for changes. Default <c>30s</c>.</summary>
    public string CrlReloadInterval { get; set; } = "30s";

    /// <summary>OCSP settings, used by the <c>Ocsp</c> and <c>CrlOrOcsp</c> modes.</summary>
    public OcspOptions Ocsp { get; set; } = new();
}

/// <summary><c>EdgeProxy:ClientCertificates:Ocsp</c>.</summary>
public sealed class OcspOptions
{
    /// <summary>
    /// An <c>http://</c> or <c>https://</c> URL used instead of the responder named in each certificate's
    /// Authority Information Access extension. Default none (use the certificate's).
    /// </summary>
    public string? ResponderUrl { get; set; }

    /// <summary>
    /// How long to wait for the responder. Default <c>5s</c>: a connection whose certificate has no cached answer
    /// waits this long at most before its first request is read (or it is refused, unless <see cref="SoftFail"/>).
    /// </summary>
    public string Timeout { get; set; } = "5s";

    /// <summary>
    /// Default false. True accepts a certificate when the responder is unreachable or times out: an attacker
    /// who can block the responder can then use a revoked certificate. Revoked and malformed answers still refuse.
    /// </summary>
    public bool SoftFail { get; set; }

    /// <summary>
    /// The longest time an answer is reused. Default <c>1h</c>. Answers are cached until their
    /// <c>nextUpdate</c>, never longer than this; answers without <c>nextUpdate</c> are not cached. A revocation
    /// published in the meantime is seen when the cached answer expires.
    /// </summary>
    public string CacheMaxAge { get; set; } = "1h";
}
