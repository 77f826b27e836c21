using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// The configured <see cref="RevocationMode"/>: CRL files, OCSP, or a CRL when one is loaded for the issuer and
/// OCSP otherwise. Never throws for a bad certificate, CRL or responder; the result says why.
/// </summary>
internal sealed partial class RevocationChecker(RevocationMode mode, CrlStore? crls, OcspClient? ocsp, ILogger<RevocationChecker> logger)
    : IRevocationChecker, IDisposable
{
    private static readonly RevocationResult NoCrl = new(RevocationStatus.Unknown, "no crl for issuer");

    public RevocationMode Mode => mode;

    public async ValueTask<RevocationResult> CheckAsync(X509Certificate2 leaf, X509Certificate2 issuer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(issuer);
        RevocationResult result;
        try
        {
            result = mode switch
            {
                RevocationMode.None => RevocationResult.NotChecked,
                RevocationMode.Crl => crls!.Check(leaf, issuer) ?? NoCrl,
                RevocationMode.Ocsp => await ocsp!.CheckAsync(leaf, issuer, cancellationToken),
                RevocationMode.CrlOrOcsp => crls!.Check(leaf, issuer) ?? await ocsp!.CheckAsync(leaf, issuer, cancellationToken),
                _ => RevocationResult.NotChecked,
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A bug here must refuse the certificate, not take the handshake down.
            Log.CheckFailed(logger, leaf.SerialNumber, ex);
            return new RevocationResult(RevocationStatus.Unknown, "revocation check failed");
        }

        if (result.Status == RevocationStatus.Revoked)
        {
            Log.Revoked(logger, leaf.Subject, leaf.SerialNumber, issuer.Subject, result.Reason);
        }

        return result;
    }

    /// <summary>
    /// Builds the parts the mode needs: no files are read and no timer runs for <c>None</c>. The OCSP client
    /// never uses a system proxy (a proxy could answer for the responder) and follows no redirects.
    /// </summary>
    public static RevocationChecker Create(RevocationSettings settings, TimeProvider time, ILoggerFactory loggers)
    {
        var crls = settings.Mode is RevocationMode.Crl or RevocationMode.CrlOrOcsp
            ? new CrlStore(settings.CrlFiles, settings.CrlReloadInterval, time, loggers.CreateLogger<CrlStore>())
            : null;
        OcspClient? ocsp = null;
        if (settings.Mode is RevocationMode.Ocsp or RevocationMode.CrlOrOcsp)
        {
            var handler = new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                ConnectTimeout = settings.OcspTimeout,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            };
            var http = new HttpClient(handler) { Timeout = settings.OcspTimeout + TimeSpan.FromSeconds(1), MaxResponseContentBufferSize = 1 << 20 };
            ocsp = new OcspClient(http, settings, time, loggers.CreateLogger<OcspClient>());
        }

        return new RevocationChecker(settings.Mode, crls, ocsp, loggers.CreateLogger<RevocationChecker>());
    }

    public CrlStore? Crls => crls;

    public OcspClient? Ocsp => ocsp;

    public void Dispose()
    {
        crls?.Dispose();
        ocsp?.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.CertificateRevoked, LogLevel.Information, "Client certificate {Subject} serial {Serial} from {Issuer} refused: {Reason}")]
        public static partial void Revoked(ILogger logger, string subject, string serial, string issuer, string reason);

        [LoggerMessage(EventIds.RevocationCheckFailed, LogLevel.Error, "Revocation check of serial {Serial} failed unexpectedly; the certificate is refused")]
        public static partial void CheckFailed(ILogger logger, string serial, Exception exception);
    }
}
