namespace EdgeProxy.Acme;

/// <summary>
/// Whether a shared challenge folder holds any answer, asked on every https connection while TLS-ALPN-01 is on:
/// one stat of the folder, and a listing only when its modification time moved. A time younger than
/// <see cref="Settle"/> is not trusted (coarse file-system clocks can give two changes the same time).
/// </summary>
internal sealed class StoredChallengeWatch(string directory)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);
    private volatile Seen? _seen;

    public bool AnyStored()
    {
        var modified = Directory.GetLastWriteTimeUtc(directory); // 1601-01-01 when the folder does not exist yet
        if (_seen is { } seen && seen.Modified == modified && DateTime.UtcNow - modified > Settle)
        {
            return seen.Any;
        }

        bool any;
        try
        {
            any = Directory.Exists(directory) && Directory.EnumerateFiles(directory).Any(f => !f.EndsWith(".tmp", StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            any = false;
        }

        _seen = new Seen(modified, any);
        return any;
    }

    private sealed record Seen(DateTime Modified, bool Any);
}
