using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Cli;

/// <summary>
/// <c>check</c> on every configuration the repository ships, as a process and in this process: the same lines and
/// exit code. Against the native-AOT executable (.ci/run) this is what shows its configuration model (reflection
/// over the options types, their XML docs, Serilog's sink lookup) matches the JIT build's key for key.
/// </summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed class CheckProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public static TheoryData<string> ShippedConfigs() =>
    [
        .. new[] { "config/appsettings.json", "config/appsettings.reference.json" }
            .Concat(Directory.GetDirectories(Repo.Path("samples")).Select(d => $"samples/{Path.GetFileName(d)}/appsettings.json"))
            .Where(relative => File.Exists(Repo.Path(relative)))
            .Order(StringComparer.Ordinal),
    ];

    [Theory]
    [MemberData(nameof(ShippedConfigs))]
    public async Task ShippedConfig_ChecksTheSameAsAProcess(string relative)
    {
        var path = Repo.Path(relative);
        var expected = new StringWriter();
        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", path]), _dir.Path, expected, TextWriter.Null);

        var result = await EdgeProxyProcess.RunAsync(["check", "--config", path], TimeSpan.FromSeconds(60), workingDirectory: _dir.Path,
            env: new Dictionary<string, string?> { ["EDGEPROXY_CONFIG"] = null });
        output.WriteLine(result.All);

        expected.ToString().Should().Contain($"--config: {path}", "the in-process check read the file");
        result.StdOut.Should().Be(expected.ToString());
        result.ExitCode.Should().Be(exit);
    }

    public void Dispose() => _dir.Dispose();
}
