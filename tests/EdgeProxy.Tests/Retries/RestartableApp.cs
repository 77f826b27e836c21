using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tests.Streaming;

namespace EdgeProxy.Tests.Retries;

/// <summary>
/// tests/node/restart-app.mjs as a real process on a fixed loopback port, stopped (SIGTERM: stop accepting,
/// finish, exit) and started again on the same port, as a deploy does. Every request it handled is kept, across
/// restarts, from its stdout.
/// </summary>
internal sealed class RestartableApp : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly string _name;
    private readonly ConcurrentQueue<string> _seen = new();
    private Process? _process;

    private RestartableApp(string name, int port)
    {
        _name = name;
        Port = port;
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/";

    /// <summary>"METHOD path request-id bodyBytes" for every request any run of the app handled.</summary>
    public IReadOnlyCollection<string> Seen => _seen;

    /// <summary>When the current run started listening (Stopwatch timestamp).</summary>
    public long ListeningSince { get; private set; }

    public static async Task<RestartableApp> StartAsync(string name = "app")
    {
        var app = NotStarted(name);
        await app.StartAsync();
        return app;
    }

    /// <summary>An app whose port is chosen but not yet listened on: connections to it are refused until <see cref="StartAsync()"/>.</summary>
    public static RestartableApp NotStarted(string name = "app") => new(name, TestClients.FreePort());

    public async Task StartAsync()
    {
        var dir = ExternalPeer.NodeDirectory;
        if (!Directory.Exists(Path.Combine(dir, "node_modules")))
        {
            throw new InvalidOperationException($"Node test peers are not installed: run {Path.Combine(dir, "install.sh")}");
        }

        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
        info.ArgumentList.Add(Path.Combine(dir, "restart-app.mjs"));
        info.Environment["PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["NAME"] = _name;
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (e.Data.StartsWith("listening ", StringComparison.Ordinal))
            {
                ListeningSince = Stopwatch.GetTimestamp();
                listening.TrySetResult();
            }
            else if (e.Data != "stopping")
            {
                _seen.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                listening.TrySetException(new InvalidOperationException($"{_name}: {e.Data}"));
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(15));
    }

    /// <summary>SIGTERM, then waits until the process has exited: from here on connections are refused.</summary>
    public async Task StopAsync()
    {
        var process = _process!;
        Kill(process.Id, SigTerm).Should().Be(0);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
        process.ExitCode.Should().Be(0, $"{_name} stops gracefully");
        process.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit(5000);
        }

        _process?.Dispose();
        return ValueTask.CompletedTask;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
