using EdgeProxy.Configuration;
using EdgeProxy.Retries;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Retries;

/// <summary>EdgeProxy:Retries, the retry metadata of clusters and routes, and clusters' HealthCheck, through <c>check</c>.</summary>
public sealed class RetryConfigValidatorTests : IDisposable
{
    private const string Cluster = "ReverseProxy:Clusters:c1";
    private const string Route = "ReverseProxy:Routes:r1";
    private static readonly IConfiguration NoFile = new ConfigurationBuilder().Build();
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string, string> Findings => new()
    {
        // The section.
        { "EdgeProxy:Retries:TryDuration=soon", "FAIL EdgeProxy:Retries:TryDuration: 'soon' is not a duration", "a duration that does not parse" },
        { "EdgeProxy:Retries:TryDuration=10m", "FAIL EdgeProxy:Retries:TryDuration: 00:10:00 (10 min) is outside 0 (off) to 00:05:00 (5 min)", "longer than any client waits" },
        { "EdgeProxy:Retries:TryInterval=1ms", "FAIL EdgeProxy:Retries:TryInterval: 00:00:00.0010000 (1 ms) is outside 10ms to 10s", "a probe storm" },
        { "EdgeProxy:Retries:MaxHeld=0", "FAIL EdgeProxy:Retries:MaxHeld: 0 is outside 1 to 100000", "no room to wait" },
        { "EdgeProxy:Retries:MaxHeld=-3", "FAIL EdgeProxy:Retries:MaxHeld: -3 is outside 1 to 100000", "a negative count" },
        { "EdgeProxy:Retries:MaxRetries=11", "FAIL EdgeProxy:Retries:MaxRetries: 11 is outside 0 (never) to 10", "too many sends" },
        { "EdgeProxy:Retries:MaxRetryBodySize=64KB", "FAIL EdgeProxy:Retries:MaxRetryBodySize: '64KB' is not a whole number", "bytes only" },
        { "EdgeProxy:Retries:TryDurations=5s", "FAIL EdgeProxy:Retries:TryDurations: unknown key; did you mean EdgeProxy:Retries:TryDuration?", "a typo" },
        { "EdgeProxy:Retries:TryDuration=2s", "OK EdgeProxy:Retries: requests wait up to 00:00:02 (2 s) for a destination", "a valid section" },
        { "EdgeProxy:Retries:TryDuration=0", "OK EdgeProxy:Retries: requests never wait", "0 turns waiting off" },

        // Cluster metadata.
        { $"{Cluster}:Metadata:EdgeProxy.TryDuration=forever", $"FAIL {Cluster}:Metadata:EdgeProxy.TryDuration: 'forever' is not a duration", "cluster duration" },
        { $"{Cluster}:Metadata:EdgeProxy.MaxHeld=1000000", $"FAIL {Cluster}:Metadata:EdgeProxy.MaxHeld: 1000000 is outside 1 to 100000", "cluster range" },
        { $"{Cluster}:Metadata:EdgeProxy.TryDurration=5s", $"FAIL {Cluster}:Metadata:EdgeProxy.TryDurration: unknown key; did you mean {Cluster}:Metadata:EdgeProxy.TryDuration?", "cluster typo" },

        // Route metadata.
        { $"{Route}:Metadata:EdgeProxy.MaxRetries=x", $"FAIL {Route}:Metadata:EdgeProxy.MaxRetries: 'x' is not a whole number", "route value" },
        { $"{Route}:Metadata:EdgeProxy.MaxHeld=5", $"FAIL {Route}:Metadata:EdgeProxy.MaxHeld: unknown key; it belongs elsewhere: ReverseProxy:Clusters:", "a cluster key on a route" },
        { $"{Route}:Timeout=00:00:05", $"WARN {Route}:Timeout: 00:00:05 (5 s) is not longer than TryDuration 00:00:10 (10 s)", "a route Timeout that ends the wait first" },

        // Health checks.
        { $"{Cluster}:HealthCheck:Actve:Enabled=true", $"FAIL {Cluster}:HealthCheck:Actve: unknown key; did you mean {Cluster}:HealthCheck:Active?", "a misspelt block" },
        { $"{Cluster}:HealthCheck:Active:Intervall=00:00:05", $"FAIL {Cluster}:HealthCheck:Active:Intervall: unknown key", "a misspelt key" },
        { $"{Cluster}:HealthCheck:Active:Path=health", $"FAIL {Cluster}:HealthCheck:Active:Path: 'health' must start with /", "a relative probe path" },
        { $"{Cluster}:HealthCheck:Active:Path=/health", $"WARN {Cluster}:HealthCheck:Active:Enabled: missing: YARP runs no check of this kind unless Enabled is true", "a check that never runs" },
        { $"{Cluster}:HealthCheck:Active:Enabled=yes", $"FAIL {Cluster}:HealthCheck:Active:Enabled: 'yes' is not true or false", "a switch that is not one" },
        { $"{Cluster}:HealthCheck:Active:Policy=Sometimes", $"FAIL {Cluster}: No matching IActiveHealthCheckPolicy found", "YARP's own validator runs too" },
        { $"{Cluster}:HealthCheck:Passive:ReactivationPeriod=a while", $"FAIL {Cluster}:HealthCheck:Passive:ReactivationPeriod: 'a while' is not a duration", "YARP durations" },
        { $"{Cluster}:Destinations:d0:Health=health.internal", $"FAIL {Cluster}:Destinations:d0:Health: 'health.internal' is not an absolute http:// or https:// URL", "a probe address" },
    };

    [Theory]
    [MemberData(nameof(Findings))]
    public void Check_ReportsTheKey(string setting, string expectedLine, string because)
    {
        var (key, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
        var config = Valid().Set(key, value);
        if (key.Contains(":HealthCheck:Active:Policy", StringComparison.Ordinal))
        {
            config.Set($"{Cluster}:HealthCheck:Active:Enabled", true);
        }

        var (exit, output) = Check(config);

        output.Split('\n').Should().Contain(line => line.StartsWith(expectedLine, StringComparison.Ordinal), because + "\n" + output);
        exit.Should().Be(expectedLine.StartsWith("FAIL", StringComparison.Ordinal) ? 1 : 0, output);
    }

    [Fact]
    public void Check_ExplainsAHealthCheck_AndAllRetryKeysAtOnce()
    {
        var config = Valid()
            .Set($"{Cluster}:HealthCheck:Active:Enabled", true).Set($"{Cluster}:HealthCheck:Active:Interval", "00:00:02").Set($"{Cluster}:HealthCheck:Active:Path", "/healthz")
            .Set($"{Cluster}:HealthCheck:AvailableDestinationsPolicy", "HealthyAndUnknown")
            .Set("EdgeProxy:Retries:TryDuration", "x").Set("EdgeProxy:Retries:MaxHeld", "0").Set($"{Cluster}:Metadata:EdgeProxy.TryInterval", "5ms");

        var (exit, output) = Check(config);

        exit.Should().Be(1);
        output.Should().Contain($"OK {Cluster}:HealthCheck: active GET /healthz every 00:00:02 (ConsecutiveFailures); with every destination unhealthy, requests wait (TryDuration) for one to pass a check")
            .And.Contain("FAIL EdgeProxy:Retries:TryDuration:").And.Contain("FAIL EdgeProxy:Retries:MaxHeld:").And.Contain($"FAIL {Cluster}:Metadata:EdgeProxy.TryInterval:");
    }

    [Fact]
    public void OptionsValidator_NamesEveryKeyOutOfRange()
    {
        var result = new RetryOptionsValidator(NoFile).Validate(null, new RetryOptions { TryDuration = TimeSpan.FromHours(1), MaxHeld = 0, MaxRetries = -1 });

        result.Failed.Should().BeTrue();
        result.Failures.Should().HaveCount(3).And.Contain(f => f.StartsWith("FAIL EdgeProxy:Retries:TryDuration: ", StringComparison.Ordinal))
            .And.Contain(f => f.StartsWith("FAIL EdgeProxy:Retries:MaxHeld: ", StringComparison.Ordinal)).And.Contain(f => f.StartsWith("FAIL EdgeProxy:Retries:MaxRetries: ", StringComparison.Ordinal));
        new RetryOptionsValidator(NoFile).Validate(null, new RetryOptions()).Succeeded.Should().BeTrue("the defaults are valid");
    }

    private TestConfig Valid() => new TestConfig(_dir.Path).Route("r1", "{**any}", "c1").Cluster("c1", "http://127.0.0.1:5080/");

    private (int ExitCode, string Output) Check(TestConfig config)
    {
        var path = config.Write("check.json");
        using var output = new StringWriter();
        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", path]), _dir.Path, output, TextWriter.Null);
        return (exit, output.ToString());
    }
}
