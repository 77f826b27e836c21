using System.Diagnostics;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// Runs a real external peer (curl, openssl, testssl.sh, the EdgeProxy binary itself). When a tool is
/// missing, tests fail under CI=true (where .ci/run installs it) and are reported as skipped elsewhere.
/// </summary>
public static class ExternalTool
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string All => StdOut + StdErr;
    }

    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>The tool's path; tests that call this carry <see cref="ToolFactAttribute"/>.</summary>
    public static string Require(string name) =>
        Find(name) ?? throw new Xunit.Sdk.XunitException($"{name} is not installed; .ci/run installs it (apt-get)");

    /// <summary>Why a test needing <paramref name="tools"/> must be skipped here, or null. Under CI=true it never is.</summary>
    public static string? SkipReason(string[] tools)
    {
        var missing = tools.Where(t => Find(t) is null).ToArray();
        return missing.Length == 0 || Environment.GetEnvironmentVariable("CI") == "true"
            ? null
            : $"needs {string.Join(", ", missing)} (installed by .ci/run)";
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, string? stdin = null, IDictionary<string, string?>? env = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A fact run against a real external peer; skipped (not passed) where the tool is missing, except under CI=true.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools) => Skip = ExternalTool.SkipReason(tools);
}

/// <summary>A theory run against a real external peer; see <see cref="ToolFactAttribute"/>.</summary>
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(params string[] tools) => Skip = ExternalTool.SkipReason(tools);
}
