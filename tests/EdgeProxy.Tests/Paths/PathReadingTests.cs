using EdgeProxy.Paths;

namespace EdgeProxy.Tests.Paths;

/// <summary>The canonical path, what the upstream gets, and the other readings a path is open to.</summary>
public sealed class PathReadingTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/a/b")]
    [InlineData("/a/b.css?x=%0D%0A//y")]
    [InlineData("/a.b/c.d")]
    [InlineData("*")]
    [InlineData("example.com:443")]
    public void OrdinaryTarget_NeedsNothing(string target) => PathReading.Parse(target).Should().BeNull();

    [Theory]
    [InlineData("//a///b//", "/a/b/", "/a/b/")]
    [InlineData("/a/./b/../c", "/a/c", "/a/c")]
    [InlineData("/a//../b", "/b", "/b")] // merged first, as nginx does
    [InlineData("/../../a", "/a", "/a")]
    [InlineData("/a/.", "/a/", "/a/")]
    [InlineData("/a/..", "/", "/")]
    [InlineData("/a/%2e%2E/b", "/b", "/b")]
    [InlineData("/a/.%2e/b?q=1", "/b", "/b")]
    [InlineData("/%61dmin", "/admin", "/%61dmin")]
    [InlineData("/a%2Fb", "/a%2Fb", "/a%2Fb")]
    [InlineData("/a%25b", "/a%b", "/a%25b")]
    [InlineData("/caf%C3%A9", "/caf\u00e9", "/caf%C3%A9")]
    [InlineData("/a%FFb", "/a%FFb", "/a%FFb")]
    [InlineData("/a\\b", "/a\\b", "/a%5Cb")]
    [InlineData("/a#b;c", "/a#b;c", "/a%23b;c")]
    [InlineData("http://h/a//b?x", "/a/b", "/a/b")]
    public void Target_IsMadeCanonical(string target, string routed, string upstream)
    {
        var reading = PathReading.Parse(target)!;

        reading.Routed.Value.Should().Be(routed);
        reading.Upstream.Should().Be(upstream);
    }

    [Theory]
    [InlineData("/a\\b", "Backslash")]
    [InlineData("/a%5cb", "Backslash")]
    [InlineData("/a;b", "Semicolon")]
    [InlineData("/a%0Db", "ControlCharacter")]
    [InlineData("/a%C2%85b", "ControlCharacter")]
    [InlineData("/a%7F", "ControlCharacter")]
    [InlineData("/a/..%2Fb", "EncodedDotSegment")]
    [InlineData("/a/%2e%2e%2fb", "EncodedDotSegment")]
    [InlineData("/a%252Fb", "DoubleEncoding")]
    [InlineData("/a%25%32%46", "DoubleEncoding")]
    [InlineData("/a%%32%46", "DoubleEncoding")]
    [InlineData("/a%2%46", "DoubleEncoding")]
    [InlineData("/a%25zz%FF", "None")]
    [InlineData("/a%2Fb", "None")]
    [InlineData("/a%3Bb", "None")]
    [InlineData("/x/..;/admin", "Semicolon")]
    public void OddSpelling_IsFlagged(string target, string problems)
    {
        PathReading.Parse(target)!.Problems.Should().Be(Enum.Parse<PathProblems>(problems));
    }

    [Theory]
    [InlineData("/admin%2Fx", "/admin/x")]
    [InlineData("/x/..%2Fadmin", "/admin")]
    [InlineData("/admin;x/y", "/admin/y")]
    [InlineData("/x/..;/admin", "/admin")]
    [InlineData("/\\admin\\x", "/admin/x")]
    [InlineData("/x%255Cadmin", "/x/admin")]
    [InlineData("/%252e%252e/admin", "/admin")]
    [InlineData("/admin%0A/x", "/admin")]
    public void Readings_IncludeWhatALenientServerWouldServe(string target, string reading)
    {
        PathReadings.Of(PathReading.Parse(target)!).Select(p => p.Value).Should().Contain(reading);
    }

    [Fact]
    public void Readings_CombineEveryTransformation_WithoutRepeats()
    {
        var readings = PathReadings.Of(PathReading.Parse("/a;x%2Fb\\c")!).Select(p => p.Value).ToList();

        readings.Should().OnlyHaveUniqueItems().And.Contain(["/a;x/b\\c", "/a;x%2Fb/c", "/a/c", "/a;x/b/c"]).And.NotContain("/a;x%2Fb\\c");
    }
}
