using System.Text.RegularExpressions;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>.ci/run runs the tests with the process trait again against the native-AOT executable; a class without it would silently not be.</summary>
public sealed partial class ProcessTraitTests
{
    [Fact]
    public void EveryTestClassThatStartsEdgeProxy_CarriesTheProcessTrait()
    {
        var sources = Directory.GetFiles(Repo.Path("tests", "EdgeProxy.Tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                && Path.GetFileName(f) != "EdgeProxyProcess.cs")
            .ToDictionary(f => Path.GetFileNameWithoutExtension(f)!, File.ReadAllText);
        var starters = sources.Where(s => Starts().IsMatch(s.Value)).Select(s => s.Key).ToHashSet();

        // A test class that starts it itself, or through a class fixture that does.
        var testClasses = sources.Where(s => (starters.Contains(s.Key) && Regex.IsMatch(s.Value, @"\[(Fact|Theory)"))
            || starters.Any(fixture => s.Value.Contains($"IClassFixture<{fixture}>", StringComparison.Ordinal))).ToList();

        testClasses.Should().HaveCountGreaterThan(10, "the process tests are found (the scan itself works)");
        testClasses.Where(s => !s.Value.Contains("[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]", StringComparison.Ordinal))
            .Select(s => s.Key).Should().BeEmpty("each of these starts EdgeProxy as a process and must run against the native-AOT executable too");
    }

    [GeneratedRegex(@"EdgeProxyProcess\.(Start|RunAsync)\(")]
    private static partial Regex Starts();
}
