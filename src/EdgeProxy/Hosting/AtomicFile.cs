namespace EdgeProxy.Hosting;

/// <summary>
/// Files EdgeProxy writes under its data path (the self-signed certificate, ACME accounts, certificates and
/// challenge answers): written to a temporary file of their own with their final permissions, then moved into
/// place, so a reader (another replica, a restart after a crash) never sees half a file or a key that was
/// readable for a moment.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="contents"/> and moves it over <paramref name="path"/>.</summary>
    public static void Write(string path, string contents, UnixFileMode mode) => File.Move(WriteTemp(path, contents, mode), path, overwrite: true);

    /// <summary>
    /// Writes <paramref name="contents"/> beside <paramref name="path"/> under a name no other writer uses and
    /// returns that name; the caller moves it (e.g. without overwriting, to let the first of several writers win).
    /// </summary>
    public static string WriteTemp(string path, string contents, UnixFileMode mode)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(contents);
        }

        return temp;
    }
}
