using EdgeProxy.Configuration;

namespace EdgeProxy.Tls;

/// <summary>
/// One configured certificate whose files are watched. <see cref="Current"/> is swapped atomically when
/// the files change and the new pair loads; a pair that fails to load leaves the old one serving.
/// A renewal tool may write the certificate and the key in two steps (certbot moves its symlinks one by one), so a
/// poll can fall between them: a pair that fails is looked at again on the next poll, and only a failure that is still
/// there, the files unchanged, is logged as an error (once for that state of the files).
/// </summary>
internal sealed partial class ReloadableCertificate
{
    private FileStamp[] _stamps;
    private FileStamp[]? _unsettledStamps;
    private FileStamp[]? _failedStamps;
    private volatile LoadedCertificate _current;

    public ReloadableCertificate(CertificateSpec spec)
    {
        Spec = spec;
        _stamps = FileStamp.Of(spec.Files);
        _current = CertificateLoader.Load(spec);
    }

    public CertificateSpec Spec { get; }

    public LoadedCertificate Current => _current;

    /// <summary>Called by the store's poller; cheap when nothing changed (one stat per file).</summary>
    public void ReloadIfChanged(ILogger logger)
    {
        var stamps = FileStamp.Of(Spec.Files);
        if (stamps.AsSpan().SequenceEqual(_stamps) || (_failedStamps is not null && stamps.AsSpan().SequenceEqual(_failedStamps)))
        {
            return;
        }

        try
        {
            var loaded = CertificateLoader.Load(Spec);
            _current = loaded;
            _stamps = stamps;
            _unsettledStamps = _failedStamps = null;
            Log.Reloaded(logger, Spec.Key, loaded.Describe());
        }
        catch (Exception ex) when (ex is CertificateLoadException or IOException or System.Security.Cryptography.CryptographicException)
        {
            if (_unsettledStamps is null || !stamps.AsSpan().SequenceEqual(_unsettledStamps))
            {
                _unsettledStamps = stamps; // first sight of this state: perhaps between the certificate and the key
                return;
            }

            _unsettledStamps = null;
            _failedStamps = stamps;
            Log.ReloadFailed(logger, ex is CertificateLoadException c ? c.Key : Spec.Key, ex.Message, _current.Describe());
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.CertificateReloaded, LogLevel.Information, "Certificate {ConfigKey} reloaded: now serving {Certificate}")]
        public static partial void Reloaded(ILogger logger, string configKey, string certificate);

        [LoggerMessage(EventIds.CertificateReloadFailed, LogLevel.Error, "Certificate {ConfigKey} changed on disk but cannot be loaded, still serving {Certificate}: {Reason}")]
        public static partial void ReloadFailed(ILogger logger, string configKey, string reason, string certificate);
    }
}
