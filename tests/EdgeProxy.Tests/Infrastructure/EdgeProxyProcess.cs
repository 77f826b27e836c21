using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>EdgeProxy as operators run it: <c>dotnet EdgeProxy.dll</c> in its own process, signals and exit code included.</summary>
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

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "EdgeProxy.dll");

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
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
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
