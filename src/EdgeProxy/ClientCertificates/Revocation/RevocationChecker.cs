using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Tls;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// The configured <see cref="RevocationMode"/>: CRL files, OCSP, or a CRL when one is loaded for the issuer and
/// OCSP otherwise. Never throws for a bad certificate, CRL or responder; the result says why. Verdicts are kept per
/// certificate (<see cref="RevocationVerdictCache"/>): a CRL verdict until the CRLs change, an OCSP answer until it
/// expires, so a certificate seen before is answered synchronously.
/// </summary>
internal sealed partial class RevocationChecker(RevocationMode mode, CrlStore? crls, OcspClient? ocsp, TimeProvider time, ILogger<RevocationChecker> logger)
    : IRevocationChecker, IDisposable
{
    private static readonly RevocationResult NoCrl = new(RevocationStatus.Unknown, "no crl for issuer");

    private readonly RevocationVerdictCache _verdicts = new(time);

    public RevocationMode Mode => mode;

    public RevocationVerdictCache Verdicts => _verdicts;

    /// <summary>Completes synchronously for CRL verdicts and for any verdict already cached for this certificate.</summary>
    public ValueTask<RevocationResult> CheckAsync(X509Certificate2 leaf, X509Certificate2 issuer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(issuer);
        if (mode == RevocationMode.None)
        {
            return ValueTask.FromResult(RevocationResult.NotChecked);
        }

        var generation = crls?.Generation ?? 0; // before the check: a reload racing it leaves this verdict stale, never reused
        var key = RevocationVerdictCache.KeyFor(leaf);
        return _verdicts.Get(key, generation) is { } cached
            ? ValueTask.FromResult(cached)
            : CheckUncachedAsync(leaf, issuer, key, generation, cancellationToken);
    }

    private async ValueTask<RevocationResult> CheckUncachedAsync(X509Certificate2 leaf, X509Certificate2 issuer, string key, long generation, CancellationToken cancellationToken)
    {
        RevocationLookup lookup;
        try
        {
            lookup = mode switch
            {
                RevocationMode.Crl => RevocationLookup.FromCrl(crls!.Check(leaf, issuer) ?? NoCrl),
                RevocationMode.Ocsp => await ocsp!.LookupAsync(leaf, issuer, cancellationToken),
                RevocationMode.CrlOrOcsp => crls!.Check(leaf, issuer) is { } fromCrl ? RevocationLookup.FromCrl(fromCrl) : await ocsp!.LookupAsync(leaf, issuer, cancellationToken),
                _ => RevocationLookup.Once(RevocationResult.NotChecked),
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A bug here must refuse the certificate, not take the handshake down.
            Log.CheckFailed(logger, leaf.SerialNumber, ex);
            return new RevocationResult(RevocationStatus.Unknown, "revocation check failed");
        }

        var result = lookup.Result;
        if (lookup.Reusable)
        {
            _verdicts.Set(key, result, generation, lookup.Until);
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
            ocsp = new OcspClient(CreateOcspHttpClient(settings), settings, time, loggers.CreateLogger<OcspClient>());
        }

        return new RevocationChecker(settings.Mode, crls, ocsp, time, loggers.CreateLogger<RevocationChecker>());
    }

    /// <summary>The OCSP client's HttpClient: no proxy, no redirects, bounded by the OCSP timeout and 1 MB; an https responder is never a download (<see cref="OutboundTls"/>).</summary>
    internal static HttpClient CreateOcspHttpClient(RevocationSettings settings)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = settings.OcspTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            SslOptions = { CertificateChainPolicy = OutboundTls.ChainPolicy() },
        };
        return new HttpClient(handler) { Timeout = settings.OcspTimeout + TimeSpan.FromSeconds(1), MaxResponseContentBufferSize = 1 << 20 };
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
