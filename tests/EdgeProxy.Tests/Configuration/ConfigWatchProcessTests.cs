using System.Globalization;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Configuration;

/// <summary>
/// EdgeProxy polls its config file; nothing else in its working directory is its business. The host builder's own
/// appsettings.json sources (which EdgeProxy clears) used to leave a FileSystemWatcher on the content root, the working
/// directory, with every folder under it: one inotify watch per folder (104 for this test's tree), and a wake-up for
/// every write anywhere below. Started from a home directory or <c>/</c>, that is thousands of watches, counted against
/// the user's <c>fs.inotify.max_user_watches</c>, and an inotify instance of the 128 a user may have. The watches are
/// read from <c>/proc/PID/fdinfo</c>, as the kernel lists them.
/// </summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed class ConfigWatchProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task TheWorkingDirectoryTree_IsNotWatched_AndTheConfigFileIsStillReloaded()
    {
        for (var i = 0; i < 50; i++)
        {
            Directory.CreateDirectory(Path.Combine(_dir.Path, $"folder{i}", "inner"));
        }

        var (https, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var config = new TestConfig(_dir.Path).ProcessListeners(https, admin).Route("r1", "/one/{**rest}", "c1").Cluster("c1", "http://127.0.0.1:9/");
        var file = config.Write();
        // As an operator runs it: this test run's own setting (test.runsettings) turns the host's file watchers into polling.
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", file], new Dictionary<string, string?> { ["DOTNET_USE_POLLING_FILE_WATCHER"] = null });
        await proxy.WaitReadyAsync(admin);

        var tree = await FolderInodesAsync(_dir.Path);
        tree.Should().HaveCountGreaterThan(100);
        var watched = InotifyWatches(proxy.Id);
        watched.Intersect(tree).Should().BeEmpty($"EdgeProxy (its working directory {_dir.Path}) must not watch that tree; it holds {watched.Count} inotify watches in all");

        config.Route("r2", "/two/{**rest}", "c1").Write();
        (await Eventually.EqualsAsync(() => Task.FromResult(proxy.Output.Contains($"Configuration reloaded from {file}", StringComparison.Ordinal)), true))
            .Should().BeTrue("the file itself is polled: " + proxy.Output);
    }

    /// <summary>The reader itself: a watch this test process sets is found, on the inode of the folder it names.</summary>
    [Fact]
    public async Task InotifyWatches_FindsAWatchOnItsFolder()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, "watched")).FullName;
        var inode = (await FolderInodesAsync(folder)).Single();
        InotifyWatches(Environment.ProcessId).Should().NotContain(inode);

        using var watcher = new FileSystemWatcher(folder) { EnableRaisingEvents = true };

        InotifyWatches(Environment.ProcessId).Should().Contain(inode);
    }

    /// <summary>The inode of every folder an inotify instance of the process watches (<c>inotify wd:1 ino:2a3f sdev:…</c>).</summary>
    private static HashSet<ulong> InotifyWatches(int pid)
    {
        var inodes = new HashSet<ulong>();
        var descriptors = Directory.GetFiles($"/proc/{pid}/fdinfo");
        descriptors.Should().NotBeEmpty("/proc/{0}/fdinfo lists the process's descriptors", pid);
        foreach (var info in descriptors)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(info);
            }
            catch (IOException)
            {
                continue; // closed meanwhile
            }

            foreach (var line in lines.Where(l => l.StartsWith("inotify wd:", StringComparison.Ordinal)))
            {
                var ino = line.Split(' ').Single(f => f.StartsWith("ino:", StringComparison.Ordinal))["ino:".Length..];
                inodes.Add(ulong.Parse(ino, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        return inodes;
    }

    /// <summary>The inodes of a folder and every folder under it, from GNU find.</summary>
    private static async Task<HashSet<ulong>> FolderInodesAsync(string root)
    {
        var find = await ExternalTool.RunAsync("find", [root, "-type", "d", "-printf", "%i\\n"], TimeSpan.FromSeconds(30));
        find.ExitCode.Should().Be(0, find.All);
        return [.. find.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(i => ulong.Parse(i, CultureInfo.InvariantCulture))];
    }
}
