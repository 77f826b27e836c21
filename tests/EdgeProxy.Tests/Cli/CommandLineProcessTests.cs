using System.Reflection;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Cli;

/// <summary>
/// The command line as a shell sees it, through the real process. Each run happens in a folder holding a valid
/// <c>config/appsettings.json</c> with free ports and no certificate, so a process that started serving would
/// keep running (the run times out) and would first write a self-signed certificate under <c>data/</c>.
/// </summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed class CommandLineProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    public CommandLineProcessTests()
    {
        var config = new TestConfig(_dir.Path)
            .WithoutCertificate()
            .Set("Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{TestClients.FreePort()}")
            .Set("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{TestClients.FreePort()}")
            .Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{TestClients.FreePort()}")
            .Set("EdgeProxy:DataPath", "data")
            .Route("r", "{**any}", "app").Cluster("app", "http://127.0.0.1:1/");
        Directory.CreateDirectory(_dir.Combine("config"));
        config.Write(Path.Combine("config", "appsettings.json"));
        Directory.Delete(_dir.Combine("certs"), recursive: true); // only the config file: anything else was written by the process
    }

    public void Dispose() => _dir.Dispose();

    private static string ExpectedVersion
    {
        get
        {
            var informational = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
            var parts = informational.Split('+');
            return parts.Length > 1 ? $"EdgeProxy {parts[0]} (commit {parts[1][..Math.Min(12, parts[1].Length)]})" : $"EdgeProxy {parts[0]}";
        }
    }

    private async Task<ExternalTool.Result> RunAsync(params string[] args)
    {
        var result = await EdgeProxyProcess.RunAsync(args, Timeout, workingDirectory: _dir.Path,
            env: new Dictionary<string, string?> { ["EDGEPROXY_CONFIG"] = null });
        Directory.GetFileSystemEntries(_dir.Path, "*", SearchOption.AllDirectories).Select(e => Path.GetRelativePath(_dir.Path, e))
            .Should().BeEquivalentTo(["config", Path.Combine("config", "appsettings.json")], $"'{string.Join(' ', args)}' must write no file (data/ holds a generated certificate once a proxy starts)");
        return result;
    }

    [Theory]
    [InlineData("unknown command 'chek'", "chek", "--config", "config/appsettings.json")]
    [InlineData("unknown option '--confg'", "--confg", "config/appsettings.json")]
    [InlineData("unknown option '--confg=config/appsettings.json'", "--confg=config/appsettings.json")]
    [InlineData("unknown option '-v'", "-v")]
    [InlineData("unknown command 'serve'", "serve")]
    [InlineData("--config needs a file path", "run", "--config")]
    [InlineData("unexpected argument 'Timeout=5s'", "run", "Timeout=5s")]
    public async Task UnknownCommandOrOption_PrintsUsageToStderr_ExitsTwo_WithoutServing(string error, params string[] args)
    {
        var result = await RunAsync(args);

        result.ExitCode.Should().Be(2, result.All);
        result.StdOut.Should().BeEmpty();
        result.StdErr.Should().StartWith($"EdgeProxy: {error}").And.Contain("Usage: EdgeProxy [command] [options]");
    }

    [Theory]
    [InlineData("help")]
    [InlineData("-h")]
    [InlineData("--help")]
    [InlineData("check", "--help")]
    public async Task Help_PrintsUsageToStdout_ExitsZero_WithoutServing(params string[] args)
    {
        var result = await RunAsync(args);

        result.ExitCode.Should().Be(0, result.All);
        result.StdErr.Should().BeEmpty();
        var usage = result.StdOut;
        usage.Should().StartWith(ExpectedVersion);
        foreach (var expected in (string[])["run", "check", "health", "--config PATH", "--version", "Section:Key=value", "Section__Key=value", "EDGEPROXY_CONFIG", "Exit codes", "2   usage error"])
        {
            usage.Should().Contain(expected);
        }

        usage.Split('\n').Length.Should().BeLessThan(40, "usage fits on one screen");
    }

    [Fact]
    public async Task Version_PrintsTheInformationalVersion_ExitsZero_WithoutServing()
    {
        var result = await RunAsync("--version");

        result.ExitCode.Should().Be(0, result.All);
        result.StdOut.TrimEnd().Should().Be(ExpectedVersion).And.MatchRegex(@"^EdgeProxy \d+\.\d+\.\d+(-[\w.]+)?( \(commit [0-9a-f]{7,12}\))?$");
        result.StdErr.Should().BeEmpty();
    }

    [Fact]
    public async Task Check_PrintsTheVersionFirst_AndWritesNoFile()
    {
        var result = await RunAsync("check");

        result.ExitCode.Should().Be(0, result.All);
        result.StdOut.Split('\n')[0].Should().Be(ExpectedVersion);
        result.StdErr.Should().Contain("configuration OK");
    }
}
