using EdgeProxy.Configuration;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// One configured CRL file. <see cref="Current"/> is swapped atomically when the file changes and parses;
/// a replacement that does not parse leaves the previous CRLs in force and is reported once per version.
/// </summary>
internal sealed class CrlFile(string key, string path)
{
    private FileStamp? _failedStamp;
    private volatile Version? _current;

    /// <summary>The configuration key, <c>EdgeProxy:ClientCertificates:CrlFiles:&lt;i&gt;</c>.</summary>
    public string Key { get; } = key;

    public string Path { get; } = path;

    /// <summary>Null until the file has parsed once.</summary>
    public Version? Current => _current;

    /// <summary>
    /// Loads the file when its stamp differs from the loaded one (and from the last one that failed, so a broken
    /// file is reported once). False when nothing changed; otherwise <paramref name="error"/> is null when the new
    /// version loaded. Not thread-safe: the store's poller is the only caller.
    /// </summary>
    public bool ReloadIfChanged(out string? error)
    {
        error = null;
        var stamp = FileStamp.Of(Path);
        if ((_current is { } current && current.Stamp == stamp) || _failedStamp == stamp)
        {
            return false;
        }

        try
        {
            if (CrlParser.TryParse(File.ReadAllBytes(Path), out var crls, out var parseError))
            {
                _current = new Version(stamp, crls);
                _failedStamp = null;
                return true;
            }

            error = parseError;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
        }

        _failedStamp = stamp;
        return true;
    }

    /// <summary>The CRLs of one version of the file, with its once-only warnings.</summary>
    internal sealed class Version(FileStamp stamp, IReadOnlyList<ParsedCrl> crls)
    {
        private int _staleWarned;
        private int _signatureWarned;

        public FileStamp Stamp { get; } = stamp;

        public IReadOnlyList<ParsedCrl> Crls { get; } = crls;

        public bool FirstStaleWarning() => Interlocked.Exchange(ref _staleWarned, 1) == 0;

        public bool FirstSignatureWarning() => Interlocked.Exchange(ref _signatureWarned, 1) == 0;
    }
}
