namespace EdgeProxy.Configuration;

/// <summary>
/// What a watched file looks like now, following symlinks to the final target. A Kubernetes secret or
/// config-map volume swaps a <c>..data</c> symlink rather than writing the file, which event-based
/// watchers miss; comparing the resolved target, size and write time catches both.
/// </summary>
internal readonly record struct FileStamp(string Target, long Length, long WriteTicks)
{
    public static FileStamp Of(string path)
    {
        try
        {
            var info = new FileInfo(path);
            var target = info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
            return target.Exists
                ? new FileStamp(target.FullName, target.Length, target.LastWriteTimeUtc.Ticks)
                : new FileStamp(path, -1, 0);
        }
        catch (IOException)
        {
            return new FileStamp(path, -1, 0);
        }
        catch (UnauthorizedAccessException)
        {
            return new FileStamp(path, -2, 0);
        }
    }

    public static FileStamp[] Of(IReadOnlyList<string> paths)
    {
        var stamps = new FileStamp[paths.Count];
        for (var i = 0; i < paths.Count; i++)
        {
            stamps[i] = Of(paths[i]);
        }

        return stamps;
    }
}
