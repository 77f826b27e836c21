using System.Runtime.InteropServices;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// A folder laid out as the kubelet mounts a ConfigMap or Secret: <c>name -> ..data/name</c>, <c>..data -> ..vN</c>.
/// An update writes a new <c>..vN</c> folder and renames a new <c>..data</c> link over the old one, atomically;
/// the files EdgeProxy was told about are never written to.
/// </summary>
public sealed class KubeletVolume(string path)
{
    private int _version;

    public string Path { get; } = path;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Publishes a new version: <paramref name="write"/> fills the new folder, then ..data is swapped to it.</summary>
    public void Publish(Action<string> write)
    {
        var version = $"..v{++_version}";
        var folder = System.IO.Path.Combine(Path, version);
        Directory.CreateDirectory(folder);
        write(folder);
        var temp = System.IO.Path.Combine(Path, "..data_tmp");
        System.IO.File.CreateSymbolicLink(temp, version);
        Rename(temp, System.IO.Path.Combine(Path, "..data")).Should().Be(0, "rename(2) of the ..data link");
        foreach (var name in Directory.EnumerateFiles(folder).Select(System.IO.Path.GetFileName))
        {
            var link = File(name!);
            if (!System.IO.File.Exists(link))
            {
                System.IO.File.CreateSymbolicLink(link, System.IO.Path.Combine("..data", name!));
            }
        }
    }

    // rename(2) replaces the link itself, as the kubelet does; File.Move would follow it to the directory.
    [DllImport("libc", SetLastError = true, EntryPoint = "rename")]
    private static extern int Rename(string oldPath, string newPath);
}
