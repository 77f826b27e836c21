using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Configuration;

/// <summary>Durations are shown as EdgeProxy (or YARP) understood them, and the "60 means 60 days" trap is named.</summary>
public sealed class DurationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private (int Exit, string[] Lines) Check(params string[] overrides)
    {
        var config = new TestConfig(_dir.Path).Route("r", "{**any}", "c").Cluster("c", "http://127.0.0.1:5080/");
        using var text = new StringWriter();
        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", config.Write("check.json"), .. overrides]), _dir.Path, text, TextWriter.Null);
        return (exit, text.ToString().Split('\n', StringSplitOptions.TrimEntries));
    }

    [Theory]
    [InlineData("00:01:40", "00:01:40 (1 min 40 s)")]
    [InlineData("60.00:00:00", "60.00:00:00 (60 days)")]
    [InlineData("1.02:00:00.250", "1.02:00:00.2500000 (1 day 2 h 250 ms)")]
    [InlineData("00:00:00", "00:00:00 (zero)")]
    public void Show_GivesTheConstantFormatAndAReading(string value, string shown) =>
        Duration.Show(TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture)).Should().Be(shown);

    [Fact]
    public void YarpTimeoutOfABareNumber_Warns_WithTheValueAsReadAndTheLikelyMeaning()
    {
        var (exit, lines) = Check("ReverseProxy:Clusters:c:HttpRequest:ActivityTimeout=60");

        exit.Should().Be(0, "it is valid, only unlikely");
        lines.Should().Contain("WARN ReverseProxy:Clusters:c:HttpRequest:ActivityTimeout: '60' is 60.00:00:00 (60 days) in YARP's [d.]hh:mm:ss syntax; for 60 seconds write \"00:01:00\"");
    }

    [Theory]
    [InlineData("ReverseProxy:Clusters:c:HttpRequest:ActivityTimeout", "00:01:40", "00:01:40 (1 min 40 s)")]
    [InlineData("ReverseProxy:Routes:r:Timeout", "00:00:30", "00:00:30 (30 s)")]
    [InlineData("ReverseProxy:Clusters:c:HealthCheck:Active:Interval", "00:00:10", "00:00:10 (10 s)")]
    [InlineData("EdgeProxy:ShutdownTimeout", "45s", "00:00:45 (45 s)")]
    [InlineData("EdgeProxy:Certificates:ReloadInterval", "1500ms", "00:00:01.5000000 (1 s 500 ms)")]
    public void EverySetDuration_IsPrintedAsUnderstood(string key, string value, string shown)
    {
        var (exit, lines) = Check($"{key}={value}");

        exit.Should().Be(0, string.Join('\n', lines));
        lines.Should().Contain($"OK {key}: {shown}");
    }

    [Theory]
    [InlineData("ReverseProxy:Clusters:c:HttpRequest:ActivityTimeout", "2.00:00:00", "if hours were meant")]
    [InlineData("ReverseProxy:Routes:r:Timeout", "90", "for 90 seconds write \"00:01:30\"")]
    public void OtherYarpTimeoutsOverADay_Warn(string key, string value, string hint)
    {
        var (_, lines) = Check($"{key}={value}");

        lines.Should().Contain(l => l.StartsWith($"WARN {key}: '{value}' is ", StringComparison.Ordinal) && l.Contains(hint, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("EdgeProxy:ShutdownTimeout")]
    [InlineData("EdgeProxy:Streaming:Policies:Sse:IdleTimeout")]
    [InlineData("EdgeProxy:ClientCertificates:Ocsp:CacheMaxAge")]
    public void EdgeProxyDurationWithoutAUnit_Fails_SayingWhatItWouldMean(string key)
    {
        var (exit, lines) = Check($"{key}=60", "EdgeProxy:ClientCertificates:Revocation=Ocsp");

        exit.Should().Be(1);
        lines.Should().Contain(l => l.StartsWith($"FAIL {key}: '60' has no unit (.NET reads a bare number as 60 days); write \"60s\" for seconds", StringComparison.Ordinal), string.Join('\n', lines));
    }

    [Fact]
    public void ZeroNeedsNoUnit()
    {
        Duration.TryParse("0", out var zero).Should().BeTrue();
        zero.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void StreamingPolicies_ShowTheirDurationsAsUnderstood()
    {
        var (_, lines) = Check("EdgeProxy:Streaming:Policies:Sse:Heartbeat=15s");

        lines.Should().Contain(l => l.StartsWith("OK EdgeProxy:Streaming:Policies:Sse: Mode Sse: idle 01:00:00 (1 h),", StringComparison.Ordinal) && l.Contains("heartbeat 00:00:15 (15 s)", StringComparison.Ordinal));
    }
}
