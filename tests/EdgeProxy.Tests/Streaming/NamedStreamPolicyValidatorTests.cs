using EdgeProxy.Configuration;
using EdgeProxy.Streaming;

namespace EdgeProxy.Tests.Streaming;

/// <summary>Named policies: what they inherit, which routes run under them, and what <c>check</c> says about each.</summary>
public sealed class NamedStreamPolicyValidatorTests
{
    [Fact]
    public void NamedPolicy_StartsFromTheBuiltInPolicyOfItsMode_WithTheOperatorsChanges_AndOverridesWhatItSets()
    {
        var (settings, report) = Validate(new()
        {
            ["Kestrel:Limits:MaxRequestBodySize"] = "1000",
            ["EdgeProxy:Streaming:Policies:Sse:Heartbeat"] = "30s",
            ["EdgeProxy:Streaming:Policies:state:Mode"] = "sse",
            ["EdgeProxy:Streaming:Policies:state:Heartbeat"] = "15s",
            ["EdgeProxy:Streaming:Policies:uploads:Mode"] = "Buffered",
            ["EdgeProxy:Streaming:Policies:uploads:MaxRequestBodySize"] = "50MB",
        });

        report.HasFailures.Should().BeFalse(string.Join('\n', report.Findings));
        settings.Policies["STATE"].Should().Be(settings.Sse with { Name = "state", Heartbeat = TimeSpan.FromSeconds(15) });
        settings.Policies["uploads"].MaxRequestBodySize.Should().Be(50L << 20);
        settings.Policies["uploads"].RequestTimeout.Should().Be(TimeSpan.FromSeconds(100), "left out: Buffered's");
        settings.Sse.MaxRequestBodySize.Should().Be(1000, "Kestrel's limit is every policy's default");
    }

    [Fact]
    public void Routes_RunUnderTheirNamedPolicy_OrTheBuiltInOfTheirMode_OrAuto()
    {
        var (settings, _) = Validate(new()
        {
            ["EdgeProxy:Streaming:Policies:state:Mode"] = "Sse",
        });

        settings.ForMetadata(new Dictionary<string, string> { ["EdgeProxy.StreamPolicy"] = "state" }).Should().BeSameAs(settings.Policies["state"]);
        settings.ForMetadata(new Dictionary<string, string> { ["EdgeProxy.StreamPolicy"] = "state", ["EdgeProxy.Stream"] = "Sse" }).Should().BeSameAs(settings.Policies["state"]);
        settings.ForMetadata(new Dictionary<string, string> { ["EdgeProxy.Stream"] = "WebSocket" }).Should().BeSameAs(settings.WebSocket);
        settings.ForMetadata(null).Should().BeSameAs(settings.Auto);
        settings.Auto.Targets.Should().Be(new StreamTargets(settings.Sse, settings.Ndjson, settings.WebSocket));
    }

    [Fact]
    public void AutoPolicy_NamesThePolicyEachKindOfStreamGets_AndANamedAutoPolicyInheritsTheBuiltInsChoices()
    {
        var (settings, report) = Validate(new()
        {
            ["EdgeProxy:Streaming:Policies:long-ws:Mode"] = "WebSocket",
            ["EdgeProxy:Streaming:Policies:long-ws:IdleTimeout"] = "48h",
            ["EdgeProxy:Streaming:Policies:Auto:WebSocket"] = "long-ws",
            ["EdgeProxy:Streaming:Policies:feeds:Mode"] = "Sse",
            ["EdgeProxy:Streaming:Policies:app:Mode"] = "Auto",
            ["EdgeProxy:Streaming:Policies:app:Sse"] = "feeds",
            ["ReverseProxy:Routes:r:Metadata:EdgeProxy.StreamPolicy"] = "app",
        });

        report.HasFailures.Should().BeFalse(string.Join('\n', report.Findings));
        settings.Auto.Targets!.WebSocket.Should().BeSameAs(settings.Policies["long-ws"]);
        settings.Policies["app"].Targets.Should().Be(new StreamTargets(settings.Policies["feeds"], settings.Ndjson, settings.Policies["long-ws"]));
    }

    [Fact]
    public void Check_ListsWhichRoutesUseEachPolicy_AndWarnsAboutAPolicyNothingUses()
    {
        var (_, report) = Validate(new()
        {
            ["EdgeProxy:Streaming:Policies:state:Mode"] = "Sse",
            ["EdgeProxy:Streaming:Policies:unused:Mode"] = "Ndjson",
            ["ReverseProxy:Routes:events:Metadata:EdgeProxy.StreamPolicy"] = "state",
            ["ReverseProxy:Routes:events2:Metadata:EdgeProxy.StreamPolicy"] = "STATE",
            ["ReverseProxy:Routes:legacy:Metadata:EdgeProxy.Stream"] = "Sse",
            ["ReverseProxy:Routes:app:ClusterId"] = "c",
        });

        var lines = report.Findings.ToDictionary(f => f.Key);
        lines["EdgeProxy:Streaming:Policies:state"].Message.Should().EndWith("; routes: events, events2");
        lines["EdgeProxy:Streaming:Policies:Sse"].Message.Should().Contain("; routes: legacy").And.Contain("Sse responses of: Buffered, Auto");
        lines["EdgeProxy:Streaming:Policies:Auto"].Message.Should().Contain("; routes: app");
        lines["EdgeProxy:Streaming:Policies:unused"].Severity.Should().Be(Severity.Warn);
        report.HasFailures.Should().BeFalse();
    }

    [Theory]
    [InlineData("Sse", "Sse", true)]
    [InlineData("Ndjson", "Sse", false)]
    [InlineData("bogus", "Sse", false)]
    public void StreamKey_BesideAStreamPolicy_MustAgreeWithItsMode(string stream, string policyMode, bool accepted)
    {
        var (_, report) = Validate(new()
        {
            ["EdgeProxy:Streaming:Policies:p:Mode"] = policyMode,
            ["ReverseProxy:Routes:r:Metadata:EdgeProxy.StreamPolicy"] = "p",
            ["ReverseProxy:Routes:r:Metadata:EdgeProxy.Stream"] = stream,
        });

        report.HasFailures.Should().Be(!accepted, string.Join('\n', report.Findings));
        if (!accepted)
        {
            report.Failures.Should().ContainSingle(f => f.Key == "ReverseProxy:Routes:r:Metadata:EdgeProxy.Stream");
        }
    }

    [Fact]
    public void TotalTimeout_OnARouteWhoseNamedPolicyIsAStreamPolicy_IsRefused_NamingThePolicy()
    {
        var (_, report) = Validate(new()
        {
            ["EdgeProxy:Streaming:Policies:state:Mode"] = "Sse",
            ["ReverseProxy:Routes:r:Metadata:EdgeProxy.StreamPolicy"] = "state",
            ["ReverseProxy:Routes:r:Timeout"] = "00:00:30",
        });

        report.Failures.Should().ContainSingle(f => f.Key == "ReverseProxy:Routes:r:Timeout" && f.Message.Contains("policy state") && f.Message.Contains("Policies:state:IdleTimeout"));
    }

    [Fact]
    public void NamedStreamPolicy_WithATotalLimit_IsRefusedLikeTheBuiltIns()
    {
        var (_, report) = Validate(new()
        {
            ["EdgeProxy:Streaming:Policies:ws:Mode"] = "WebSocket",
            ["EdgeProxy:Streaming:Policies:ws:RequestTimeout"] = "1h",
            ["EdgeProxy:Streaming:Policies:ws:Heartbeat"] = "1s",
            ["EdgeProxy:Streaming:Policies:quiet:Mode"] = "Ndjson",
            ["EdgeProxy:Streaming:Policies:quiet:Heartbeat"] = "1s",
        });

        report.Failures.Should().ContainSingle(f => f.Key == "EdgeProxy:Streaming:Policies:ws:RequestTimeout");
        report.Findings.Should().ContainSingle(f => f.Key == "EdgeProxy:Streaming:Policies:quiet:Heartbeat" && f.Severity == Severity.Warn && f.Message.Contains("Mode Ndjson"));
    }

    private static (StreamingSettings Settings, ConfigReport Report) Validate(Dictionary<string, string?> values) => StreamingCheck.Run(values);
}
