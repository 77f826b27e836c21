using System.Diagnostics;
using System.Threading.Channels;

namespace EdgeProxy.Tests.Streaming;

/// <summary>
/// A client program no one here wrote (curl, a Node library) run as a child process; its stdout lines are
/// read as they come. Disposing kills that one process (by its own handle) if it is still running.
/// </summary>
internal sealed class ExternalPeer : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _stderr = [];

    private ExternalPeer(Process process) => _process = process;

    /// <summary>tests/node, found by walking up from the test binaries.</summary>
    public static string NodeDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "node");
                if (File.Exists(Path.Combine(candidate, "package.json")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("tests/node/package.json not found above " + AppContext.BaseDirectory);
        }
    }

    public static ExternalPeer StartNode(string script, IDictionary<string, string> environment, params string[] args)
    {
        var dir = NodeDirectory;
        if (!Directory.Exists(Path.Combine(dir, "node_modules")))
        {
            throw new InvalidOperationException($"Node test peers are not installed: run {Path.Combine(dir, "install.sh")}");
        }

        return Start("node", [Path.Combine(dir, script), .. args], environment, dir);
    }

    public static ExternalPeer Start(string program, string[] args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var peer = new ExternalPeer(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                peer._lines.Writer.TryComplete();
            }
            else
            {
                peer._lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (peer._stderr)
                {
                    peer._stderr.Add(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    /// <summary>The next stdout line, or null at the end of output.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        try
        {
            return await _lines.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(15));
        }
        catch (ChannelClosedException)
        {
            return null;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no output from {_process.StartInfo.FileName} in time; stderr:\n{Stderr}");
        }
    }

    public async Task<List<string>> ReadAllLinesAsync(TimeSpan timeout)
    {
        var lines = new List<string>();
        using var cts = new CancellationTokenSource(timeout);
        await foreach (var line in _lines.Reader.ReadAllAsync(cts.Token))
        {
            lines.Add(line);
        }

        return lines;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
