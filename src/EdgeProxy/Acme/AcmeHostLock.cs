namespace EdgeProxy.Acme;

/// <summary>
/// A lock per host name in the storage folder, so replicas sharing it (a Kubernetes volume) never order the same
/// certificate at once. An exclusively created file rather than flock: it also works where a volume's locks do
/// not (NFS). A replica that dies holding it leaves a file that goes stale after <see cref="StaleAfter"/>.
/// </summary>
internal sealed class AcmeHostLock : IDisposable
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private readonly string _path;

    private AcmeHostLock(string path) => _path = path;

    public static async Task<AcmeHostLock> AcquireAsync(string path, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        while (true)
        {
            try
            {
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                using (var writer = new StreamWriter(stream))
                {
                    writer.Write($"{Environment.MachineName} {Environment.ProcessId} {DateTimeOffset.UtcNow:O}\n");
                }

                return new AcmeHostLock(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > StaleAfter)
                {
                    TryDelete(path); // its holder died mid-order
                    continue;
                }

                await Task.Delay(Poll, ct);
            }
        }
    }

    public void Dispose() => TryDelete(_path);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
