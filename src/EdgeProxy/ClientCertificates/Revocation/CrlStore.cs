using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// Every configured CRL file, polled for changes (one stat per file per interval, following symlinks like
/// the certificate store). Lookups read immutable versions and take no locks.
/// </summary>
internal sealed partial class CrlStore : IDisposable
{
    private readonly CrlFile[] _files;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer? _timer;
    private readonly Lock _pollLock = new();
    private long _generation;

    // A zero reloadInterval disables polling; tests then call ReloadIfChanged themselves.
    public CrlStore(IReadOnlyList<string> paths, TimeSpan reloadInterval, TimeProvider time, ILogger<CrlStore> logger)
    {
        _time = time;
        _logger = logger;
        _files = [.. paths.Select((path, i) => new CrlFile($"{RevocationOptions.SectionName}:CrlFiles:{i}", path))];
        ReloadIfChanged();
        if (reloadInterval > TimeSpan.Zero)
        {
            _timer = time.CreateTimer(_ => ReloadIfChanged(), null, reloadInterval, reloadInterval);
        }
    }

    /// <summary>
    /// Changes whenever a CRL file's new version is loaded, so a verdict taken under an older set of CRLs is
    /// never reused (read it before <see cref="Check"/>: a reload racing the check then invalidates the verdict).
    /// </summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>
    /// Null when no CRL names <paramref name="issuer"/>. Otherwise Revoked when any CRL for it lists the serial,
    /// Good when one signed by it does not, Unknown when every CRL naming it fails its signature check.
    /// </summary>
    public RevocationResult? Check(X509Certificate2 leaf, X509Certificate2 issuer)
    {
        RevocationResult? result = null;
        string? serial = null;
        foreach (var file in _files)
        {
            if (file.Current is not { } version)
            {
                continue;
            }

            foreach (var crl in version.Crls)
            {
                if (!crl.IsFor(issuer))
                {
                    continue;
                }

                if (crl.VerifySignature(issuer) is { } error)
                {
                    if (version.FirstSignatureWarning())
                    {
                        Log.CrlSignatureInvalid(_logger, file.Key, file.Path, crl.IssuerDisplay, error);
                    }

                    result ??= new RevocationResult(RevocationStatus.Unknown, "crl " + error);
                    continue;
                }

                var stale = crl.IsPastNextUpdate(_time.GetUtcNow());
                if (stale)
                {
                    WarnStale(file, version, crl);
                }

                serial ??= AsnRead.SerialKey(leaf.SerialNumberBytes.Span);
                if (crl.Revoked.Contains(serial))
                {
                    return Revoked;
                }

                if (result is null || result.Status == RevocationStatus.Unknown)
                {
                    result = stale ? GoodStale : Good;
                }
            }
        }

        return result;
    }

    /// <summary>Reloads changed files and warns about CRLs past nextUpdate; called by the poller.</summary>
    public void ReloadIfChanged()
    {
        if (!_pollLock.TryEnter())
        {
            return;
        }

        try
        {
            var now = _time.GetUtcNow();
            foreach (var file in _files)
            {
                var hadVersion = file.Current is not null;
                if (file.ReloadIfChanged(out var error) && error is null)
                {
                    Interlocked.Increment(ref _generation);
                    foreach (var crl in file.Current!.Crls)
                    {
                        Log.CrlLoaded(_logger, file.Key, file.Path, crl.IssuerDisplay, crl.Revoked.Count, crl.NextUpdate?.ToString("u") ?? "none");
                    }
                }
                else if (error is not null)
                {
                    Log.CrlLoadFailed(_logger, file.Key, file.Path, hadVersion ? "keeping the previous CRL" : "no CRL from this file", error);
                }

                if (file.Current is { } version)
                {
                    foreach (var crl in version.Crls.Where(c => c.IsPastNextUpdate(now)))
                    {
                        WarnStale(file, version, crl);
                    }
                }
            }
        }
        finally
        {
            _pollLock.Exit();
        }
    }

    public void Dispose() => _timer?.Dispose();

    private void WarnStale(CrlFile file, CrlFile.Version version, ParsedCrl crl)
    {
        if (version.FirstStaleWarning())
        {
            Log.CrlStale(_logger, file.Key, file.Path, crl.IssuerDisplay, crl.NextUpdate!.Value.ToString("u"));
        }
    }

    private static readonly RevocationResult Revoked = new(RevocationStatus.Revoked, "revoked (crl)");
    private static readonly RevocationResult Good = new(RevocationStatus.Good, "good (crl)");
    private static readonly RevocationResult GoodStale = new(RevocationStatus.Good, "good (crl past nextupdate)");

    private static partial class Log
    {
        [LoggerMessage(EventIds.CrlLoaded, LogLevel.Information, "CRL {ConfigKey} loaded from {Path}: issuer {Issuer}, {RevokedCount} revoked, next update {NextUpdate}")]
        public static partial void CrlLoaded(ILogger logger, string configKey, string path, string issuer, int revokedCount, string nextUpdate);

        [LoggerMessage(EventIds.CrlLoadFailed, LogLevel.Error, "CRL {ConfigKey} ({Path}) cannot be loaded, {Outcome}: {Reason}")]
        public static partial void CrlLoadFailed(ILogger logger, string configKey, string path, string outcome, string reason);

        [LoggerMessage(EventIds.CrlStale, LogLevel.Warning, "CRL {ConfigKey} ({Path}) for {Issuer} is past its nextUpdate {NextUpdate}; it is still used, refresh it")]
        public static partial void CrlStale(ILogger logger, string configKey, string path, string issuer, string nextUpdate);

        [LoggerMessage(EventIds.CrlSignatureInvalid, LogLevel.Warning, "CRL {ConfigKey} ({Path}) names issuer {Issuer} but is not signed by it ({Reason}); its certificates are refused")]
        public static partial void CrlSignatureInvalid(ILogger logger, string configKey, string path, string issuer, string reason);
    }
}
