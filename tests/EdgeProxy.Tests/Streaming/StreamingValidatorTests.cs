using EdgeProxy.Configuration;
using EdgeProxy.Streaming;

namespace EdgeProxy.Tests.Streaming;

public sealed class StreamingValidatorTests
{
    public static TheoryData<string, string, string, string> Refused => new()
    {
        // key, value, expected FAIL key, expected words in the message
        { "ReverseProxy:Routes:r:Metadata:EdgeProxy.Stream", "Sse2", "ReverseProxy:Routes:r:Metadata:EdgeProxy.Stream", "not a stream mode" },
        { "EdgeProxy:Streaming:Policies:Sse:IdleTimeout", "soon", "EdgeProxy:Streaming:Policies:Sse:IdleTimeout", "not a duration" },
        { "EdgeProxy:Streaming:Policies:Sse:IdleTimeout", "0s", "EdgeProxy:Streaming:Policies:Sse:IdleTimeout", "must be positive" },
        { "EdgeProxy:Streaming:Policies:WebSocket:IdleTimeout", "30d", "EdgeProxy:Streaming:Policies:WebSocket:IdleTimeout", "longer than" },
        { "EdgeProxy:Streaming:Policies:Sse:RequestTimeout", "100s", "EdgeProxy:Streaming:Policies:Sse:RequestTimeout", "would cut every Sse stream" },
        { "EdgeProxy:Streaming:Policies:WebSocket:RequestTimeout", "1h", "EdgeProxy:Streaming:Policies:WebSocket:RequestTimeout", "would cut every WebSocket stream" },
        { "EdgeProxy:Streaming:Policies:Ndjson:MaxDuration", "10m", "EdgeProxy:Streaming:Policies:Ndjson:IdleTimeout", "longer than MaxDuration" },
        { "EdgeProxy:Streaming:Policies:Grpc:IdleTimeout", "5s", "EdgeProxy:Streaming:Policies:Grpc:Mode", "needs a Mode" },
        { "EdgeProxy:Streaming:Policies:Grpc:Mode", "Grpc", "EdgeProxy:Streaming:Policies:Grpc:Mode", "not a mode" },
        { "EdgeProxy:Streaming:Policies:Sse:Mode", "Ndjson", "EdgeProxy:Streaming:Policies:Sse:Mode", "always Mode Sse" },
        { "EdgeProxy:Streaming:Policies:Auto:Sse", "nope", "EdgeProxy:Streaming:Policies:Auto:Sse", "no stream policy is named 'nope'" },
        { "EdgeProxy:Streaming:Policies:Auto:Sse", "Ndjson", "EdgeProxy:Streaming:Policies:Auto:Sse", "is Mode Ndjson" },
        { "EdgeProxy:Streaming:Policies:Sse:WebSocket", "WebSocket", "EdgeProxy:Streaming:Policies:Sse:WebSocket", "only Auto and Buffered policies" },
        { "ReverseProxy:Routes:r:Metadata:EdgeProxy.StreamPolicy", "uploads", "ReverseProxy:Routes:r:Metadata:EdgeProxy.StreamPolicy", "'uploads', which is not defined" },
        { "EdgeProxy:Streaming:Policies:Buffered:MaxRequestBodySize", "50 parsecs", "EdgeProxy:Streaming:Policies:Buffered:MaxRequestBodySize", "not a size" },
        { "EdgeProxy:Streaming:Policies:Buffered:MaxRequestBodySize", "-5", "EdgeProxy:Streaming:Policies:Buffered:MaxRequestBodySize", "not a size" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void BadValue_FailsNamingTheKey(string key, string value, string failKey, string words)
    {
        var report = Validate(new() { [key] = value });

        report.Failures.Should().ContainSingle(f => f.Key == failKey && f.Message.Contains(words), string.Join('\n', report.Findings));
    }

    [Theory]
    [InlineData("Sse", "Timeout", "00:01:40")]
    [InlineData("WebSocket", "TimeoutPolicy", "Default")]
    [InlineData("Ndjson", "Timeout", "00:00:30")]
    public void TotalTimeout_OnStreamRoute_IsRefused_NamingTheRoute(string mode, string setting, string value)
    {
        var report = Validate(new()
        {
            ["ReverseProxy:Routes:events:Metadata:EdgeProxy.Stream"] = mode,
            [$"ReverseProxy:Routes:events:{setting}"] = value,
        });

        report.Failures.Should().ContainSingle(f => f.Key == $"ReverseProxy:Routes:events:{setting}" && f.Message.Contains("route 'events'"), string.Join('\n', report.Findings));
    }

    [Theory]
    [InlineData("Auto", "Timeout", "00:01:40")]
    [InlineData("Buffered", "Timeout", "00:01:40")]
    [InlineData("Sse", "TimeoutPolicy", "Disable")]
    public void TotalTimeout_WhereItCannotCutAStream_IsAccepted(string mode, string setting, string value)
    {
        var report = Validate(new()
        {
            ["ReverseProxy:Routes:r:Metadata:EdgeProxy.Stream"] = mode,
            [$"ReverseProxy:Routes:r:{setting}"] = value,
        });

        report.HasFailures.Should().BeFalse(string.Join('\n', report.Findings));
    }

    [Fact]
    public void EveryProblem_IsReported_InOnePass()
    {
        var report = Validate(new()
        {
            ["ReverseProxy:Routes:a:Metadata:EdgeProxy.Stream"] = "bogus",
            ["ReverseProxy:Routes:b:Metadata:EdgeProxy.Stream"] = "Sse",
            ["ReverseProxy:Routes:b:Timeout"] = "00:00:10",
            ["EdgeProxy:Streaming:Policies:Sse:RequestTimeout"] = "10s",
            ["EdgeProxy:Streaming:Policies:WebSocket:IdleTimeout"] = "later",
        });

        report.Failures.Select(f => f.Key).Should().BeEquivalentTo(
            "ReverseProxy:Routes:a:Metadata:EdgeProxy.Stream",
            "ReverseProxy:Routes:b:Timeout",
            "EdgeProxy:Streaming:Policies:Sse:RequestTimeout",
            "EdgeProxy:Streaming:Policies:WebSocket:IdleTimeout");
    }

    [Fact]
    public void Overrides_ApplyOverPresets_AndOffSwitchesALimitOff()
    {
        var report = new ConfigReport();
        var settings = Resolve(Config(new()
        {
            ["EdgeProxy:Streaming:Policies:Sse:IdleTimeout"] = "5m",
            ["EdgeProxy:Streaming:Policies:Sse:Heartbeat"] = "15s",
            ["EdgeProxy:Streaming:Policies:Buffered:RequestTimeout"] = "off",
            ["EdgeProxy:Streaming:Policies:Buffered:MaxRequestBodySize"] = "50MB",
        }), report);

        report.HasFailures.Should().BeFalse();
        settings.Sse.Should().Be(StreamingSettings.Presets[StreamMode.Sse] with { IdleTimeout = TimeSpan.FromMinutes(5), Heartbeat = TimeSpan.FromSeconds(15) });
        settings.Buffered.RequestTimeout.Should().BeNull();
        settings.Buffered.MaxRequestBodySize.Should().Be(50L * 1024 * 1024);
        settings.Auto.Should().BeEquivalentTo(settings.Buffered, o => o.Excluding(p => p.Name).Excluding(p => p.Mode), "Auto routes start under Buffered's limits, as before named policies");
        settings.WebSocket.IdleTimeout.Should().Be(TimeSpan.FromHours(24));
        settings.Ndjson.RequestTimeout.Should().BeNull();
    }

    [Theory]
    [InlineData("Buffered:Heartbeat", "10s", "ignored")]
    [InlineData("Sse:Heartbeat", "2h", "not shorter than IdleTimeout")]
    [InlineData("Buffered:MaxRequestBodySize", "off", "any size")]
    public void Questionable_Warns(string key, string value, string words)
    {
        var report = Validate(new() { ["EdgeProxy:Streaming:Policies:" + key] = value });

        report.HasFailures.Should().BeFalse();
        report.Findings.Should().ContainSingle(f => f.Severity == Severity.Warn && f.Key == "EdgeProxy:Streaming:Policies:" + key && f.Message.Contains(words));
    }

    [Theory]
    [InlineData("1024", 1024L)]
    [InlineData("50MB", 52428800L)]
    [InlineData("50M", 52428800L)]
    [InlineData("1GB", 1073741824L)]
    [InlineData("64 KiB", 65536L)]
    public void Sizes_Parse(string text, long bytes)
    {
        StreamPolicyReader.TryParseSize(text, out var parsed).Should().BeTrue();
        parsed.Should().Be(bytes);
    }

    private static ConfigReport Validate(Dictionary<string, string?> values) => StreamingCheck.Run(values).Report;

    private static StreamingSettings Resolve(IConfiguration config, ConfigReport report) =>
        StreamingOptionsValidator.Resolve(BoundOptions.Get<StreamingOptions>(config), StreamingOptionsValidator.KestrelBodyLimit(config), report);

    private static IConfiguration Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
