using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// EdgeProxy as operators run it: <c>dotnet EdgeProxy.dll</c> in its own process, signals and exit code included; or,
/// when <c>EDGEPROXY_TEST_BINARY</c> names one, that executable (the native-AOT build: .ci/run runs the process tests
/// against it as well).
/// </summary>
public sealed class EdgeProxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private EdgeProxyProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>
    /// Every test class that starts EdgeProxy as a process carries <c>[Trait(Trait, TraitValue)]</c>: .ci/run selects them
    /// (<c>--filter Runs=EdgeProxyProcess</c>) to run again against the native-AOT executable.
    /// </summary>
    public const string Trait = "Runs";

    public const string TraitValue = "EdgeProxyProcess";

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "EdgeProxy.dll");

    /// <summary>The native executable under test, or null for <c>dotnet EdgeProxy.dll</c>.</summary>
    public static string? Binary => Environment.GetEnvironmentVariable("EDGEPROXY_TEST_BINARY") is { Length: > 0 } binary ? binary : null;

    /// <summary>The folder of the EdgeProxy under test, where its build put <c>openssl.cnf</c> and <c>EdgeProxy.xml</c>.</summary>
    public static string Folder => Binary is { } binary ? Path.GetDirectoryName(Path.GetFullPath(binary))! : AppContext.BaseDirectory;

    /// <summary>Runs one EdgeProxy command (check, health, --version...) to its end.</summary>
    public static Task<ExternalTool.Result> RunAsync(IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string?>? env = null, string? workingDirectory = null)
    {
        var (file, arguments) = Command(args);
        return ExternalTool.RunAsync(file, arguments, timeout, env: env, workingDirectory: workingDirectory);
    }

    /// <summary>The program to start and its arguments: the native executable, or <c>dotnet EdgeProxy.dll</c>.</summary>
    private static (string File, string[] Args) Command(IEnumerable<string> args) => Binary is { } binary ? (binary, [.. args]) : ("dotnet", [Dll, .. args]);

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public int Id => _process.Id;

    public static EdgeProxyProcess Start(string workingDirectory, IEnumerable<string> args, IDictionary<string, string?>? env = null)
    {
        var (file, arguments) = Command(args);
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key); // null: the child must not inherit it from the test run
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        return new EdgeProxyProcess(Process.Start(info)!);
    }

    public async Task WaitReadyAsync(int adminPort, TimeSpan? timeout = null)
    {
        using var admin = TestClients.Plain(adminPort);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"EdgeProxy exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await admin.GetAsync("/readyz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("EdgeProxy did not become ready:\n" + Output);
    }

    public void Signal(int signal) => Kill(_process.Id, signal).Should().Be(0);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync(new CancellationTokenSource(timeout).Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
