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
    /// Loads the file when its stamp differs from the loaded one. Returns null when nothing changed, otherwise
    /// the error (empty when it loaded). Not thread-safe: the store's poller is the only caller.
    /// </summary>
    public string? ReloadIfChanged()
    {
        var stamp = FileStamp.Of(Path);
        if ((_current is { } current && current.Stamp == stamp) || _failedStamp == stamp)
        {
            return null;
        }

        string error;
        try
        {
            var bytes = File.ReadAllBytes(Path);
            if (CrlParser.TryParse(bytes, out var crls, out error))
            {
                _current = new Version(stamp, crls);
                _failedStamp = null;
                return string.Empty;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
        }

        _failedStamp = stamp;
        return string.IsNullOrEmpty(error) ? "unreadable" : error;
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
