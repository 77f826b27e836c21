namespace EdgeProxy;

/// <summary>Every EdgeProxy log event id, one block per feature, so operators can filter on them.</summary>
internal static class EventIds
{
    // Configuration 100-199
    public const int ConfigReloaded = 100;
    public const int ConfigReloadRejected = 101;
    public const int ConfigWarning = 102;
    public const int ConfigFinding = 103;

    // TLS and certificates 200-299
    public const int CertificateLoaded = 200;
    public const int CertificateReloaded = 201;
    public const int CertificateReloadFailed = 202;
    public const int SelfSignedCertificateCreated = 203;
    public const int SelfSignedCertificateInUse = 204;
    public const int SniNoCertificate = 205;

    // Upstream errors 300-399
    public const int UpstreamError = 300;

    // Lifecycle and admin 400-499
    public const int Draining = 400;
    public const int Ready = 401;

    // Access log 500
    public const int AccessLog = 500;

    // Trusted proxies, forwarded headers, PROXY protocol 600-699
    public const int AllowFromDenied = 600;
    public const int ProxyProtocolUntrustedPeer = 601;
    public const int ProxyProtocolMalformed = 602;
    public const int ProxyProtocolAccepted = 603;
    public const int ForwardedChainStoppedEarly = 604;
}
