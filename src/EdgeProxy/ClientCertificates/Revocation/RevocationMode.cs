namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary><c>EdgeProxy:ClientCertificates:Revocation</c>.</summary>
public enum RevocationMode
{
    /// <summary>No revocation checking (check WARNs when client certificates are in use).</summary>
    None,

    /// <summary>CRL files from <c>CrlFiles</c>, reloaded when they change.</summary>
    Crl,

    /// <summary>OCSP to the responder named in the certificate (or <c>Ocsp:ResponderUrl</c>).</summary>
    Ocsp,

    /// <summary>A CRL when one is loaded for the issuer, otherwise OCSP.</summary>
    CrlOrOcsp,
}
