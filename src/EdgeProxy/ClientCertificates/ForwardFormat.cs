namespace EdgeProxy.ClientCertificates;

/// <summary>How the client certificate reaches the upstream (<c>EdgeProxy.ClientCert.Forward</c>).</summary>
public enum ForwardFormat
{
    /// <summary>Nothing is forwarded (inbound certificate headers are still removed).</summary>
    None,

    /// <summary>Envoy <c>x-forwarded-client-cert</c>: Hash, Cert, Chain, Subject, URI, DNS.</summary>
    Xfcc,

    /// <summary>nginx variables: <c>X-SSL-Client-Cert</c> ($ssl_client_escaped_cert), <c>-Verify</c>, <c>-S-DN</c>, <c>-I-DN</c>.</summary>
    Nginx,

    /// <summary>RFC 9440 <c>Client-Cert</c> and <c>Client-Cert-Chain</c>.</summary>
    Rfc9440,

    /// <summary><c>X-Client-Cert</c>: base64 DER, what ASP.NET Core's certificate forwarding reads by default.</summary>
    Base64Der,

    /// <summary>Traefik <c>X-Forwarded-Tls-Client-Cert</c>: base64 DER of leaf and chain, comma-separated.</summary>
    Traefik,
}

/// <summary>Per-route requirement (<c>EdgeProxy.ClientCert</c>).</summary>
public enum ClientCertRequirement
{
    /// <summary>Forward what was presented; no certificate is fine. The default.</summary>
    Optional,

    /// <summary>403 unless a valid certificate was presented on the connection.</summary>
    Required,

    /// <summary>Never forward certificate details on this route.</summary>
    Ignore,
}
