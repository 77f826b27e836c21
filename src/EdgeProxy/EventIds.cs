namespace EdgeProxy;

/// <summary>Every EdgeProxy log event id, one block per feature, so operators can filter on them.</summary>
internal static class EventIds
{
    // Configuration 100-199
    public const int ConfigReloaded = 100;
    public const int ConfigReloadRejected = 101;
    public const int ConfigWarning = 102;
    public const int ConfigFinding = 103;
    public const int AmbiguousRoutes = 104;
    public const int ListenersReloaded = 105;
    public const int RestartRequired = 106;
    public const int ListenerNotBound = 107;
    public const int ListenerBoundAgain = 108;

    // TLS and certificates 200-299
    public const int CertificateLoaded = 200;
    public const int CertificateReloaded = 201;
    public const int CertificateReloadFailed = 202;
    public const int SelfSignedCertificateCreated = 203;
    public const int SelfSignedCertificateInUse = 204;
    public const int SniNoCertificate = 205;
    public const int MisdirectedRequest = 206;
    public const int Tls12SuitesShared = 207;
    public const int Tls12SuitesPerListener = 208;
    public const int IdleTlsBuffers = 209;
    public const int IdleTlsBuffersOff = 210;

    // Upstream errors 300-399
    public const int UpstreamError = 300;
    public const int ClientAborted = 301;
    public const int UpstreamErrorDetail = 302;

    // Lifecycle and admin 400-499
    public const int Draining = 400;
    public const int Ready = 401;
    public const int StatusSampleFailed = 402;
    public const int MemoryReturned = 403;
    public const int AdminHostRefused = 404;
    public const int SocketCompletions = 405;
    public const int WorkerSpin = 406;
    public const int MemoryReturnedAtStart = 407;

    // 500 was the access log; it is written through Serilog directly now (SourceContext EdgeProxy.AccessLog, no event id).

    // Trusted proxies, forwarded headers, PROXY protocol 600-699
    public const int AllowFromDenied = 600;
    public const int ProxyProtocolUntrustedPeer = 601;
    public const int ProxyProtocolMalformed = 602;
    public const int ProxyProtocolAccepted = 603;
    public const int ForwardedChainStoppedEarly = 604;
    public const int UnsendableHeaderRefused = 605;

    // Request readings: canonical paths, method overrides 620-639
    public const int RequestReadingRefused = 620;

    // HSTS 900-919
    public const int HstsUpstreamNormalised = 900;

    // Streaming 1000-1019
    public const int StreamDetected = 1000;
    public const int StreamEnded = 1001;
    public const int RequestBodyTooLarge = 1002;
    public const int WebSocketClosedByProxy = 1003;
    public const int StreamClosed = 1004;

    // Client certificate revocation 800-819
    public const int CrlLoaded = 800;
    public const int CrlLoadFailed = 801;
    public const int CrlStale = 802;
    public const int CrlSignatureInvalid = 803;
    public const int OcspNoAnswer = 804;
    public const int OcspSoftFail = 805;
    public const int CertificateRevoked = 806;
    public const int RevocationCheckFailed = 807;
    public const int ClientCertificateRefusedInHandshake = 808;
    public const int ClientCertificateRefusedAfterHandshake = 809;
    public const int ClientCertificateVerdictDeferred = 810;
    public const int ClientCertificateRequiredByRoute = 811;

    // Authentication and authorization 700-719
    public const int AuthIssuerAvailable = 700;
    public const int AuthIssuerUnavailable = 701;
    public const int AuthTokenRejected = 702;
    public const int AuthPolicySchemeNotRunning = 703;
    public const int AuthIdentityHeaderSkipped = 704;
    public const int AuthRequestRefused = 706;

    // ACME automatic certificates 1100-1199
    public const int AcmeAccountReady = 1100;
    public const int AcmeOrderCreated = 1101;
    public const int AcmeCertificateIssued = 1102;
    public const int AcmeIssuanceFailed = 1103;
    public const int AcmeBadNonce = 1104;
    public const int AcmeCertificateReused = 1105;
    public const int AcmeCertificatePending = 1106;
    public const int AcmeStoredCertificateUnusable = 1107;
    public const int AcmeRenewalWindow = 1108;
    public const int AcmeRenewalWindowUnavailable = 1109;

    // Holding and retrying upstream requests 1200-1219
    public const int RetryWatchFailed = 1200;
    public const int UpstreamTryFailed = 1201;
    public const int UpstreamGaveUp = 1202;
    public const int DestinationBack = 1203;
}
