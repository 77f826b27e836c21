using EdgeProxy.Configuration;
using EdgeProxy.RateLimiting;

namespace EdgeProxy.Tests.RateLimiting;

/// <summary>Every bad rate-limit key is refused with its full name, through the same pass as <c>check</c>.</summary>
public sealed class RateLimitingValidatorTests
{
    private const string P = "EdgeProxy:RateLimiting:Policies:p:";

    public static TheoryData<string, string, string, string> Refused => new()
    {
        // key, value, expected FAIL key, words in the message (the policy is otherwise a valid FixedWindow)
        { P + "Kind", "LeakyBucket", P + "Kind", "not one of FixedWindow, SlidingWindow, TokenBucket, Concurrency" },
        { P + "PermitLimit", "0", P + "PermitLimit", "whole number from 1" },
        { P + "PermitLimit", "ten", P + "PermitLimit", "'ten' is not a whole number" },
        { P + "Window", "50ms", P + "Window", "from 100ms" },
        { P + "Window", "soon", P + "Window", "not a duration" },
        { P + "TokenLimit", "5", P + "TokenLimit", "does not apply to Kind FixedWindow" },
        { P + "PartitionBy", "Cookie", P + "PartitionBy", "not one of Client, Header, Claim, Route" },
        { P + "PartitionBy", "Header", P + "Header", "needs Header" },
        { P + "PartitionBy", "Claim", P + "Claim", "needs Claim" },
        { P + "Claim", "sub", P + "Claim", "only used with PartitionBy Claim" },
        { P + "QueueLimit", "-1", P + "QueueLimit", "whole number from 0" },
        { P + "MaxPartitions", "0", P + "MaxPartitions", "whole number from 1" },
        { P + "Ipv6PrefixLength", "129", P + "Ipv6PrefixLength", "from 1 to 128" },
        { P + "Burst", "5", P + "Burst", "unknown key; the keys here are" },
        { "EdgeProxy:RateLimiting:DefaultPolicy", "nope", "EdgeProxy:RateLimiting:DefaultPolicy", "no rate-limit policy is named 'nope'" },
        { "EdgeProxy:RateLimiting:Policies:Disable:Kind", "Concurrency", "EdgeProxy:RateLimiting:Policies:Disable", "not a name a policy can have" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void BadValue_FailsNamingTheKey(string key, string value, string failKey, string words)
    {
        var report = Check(Valid((key, value)));

        report.Failures.Should().ContainSingle(f => f.Key == failKey && f.Message.Contains(words), string.Join('\n', report.Findings));
    }

    [Theory]
    [InlineData("TokenBucket", "TokenLimit", "TokensPerPeriod")]
    [InlineData("Concurrency", "PermitLimit", null)]
    [InlineData("SlidingWindow", "PermitLimit", "Window")]
    public void MissingLimit_FailsNamingWhatTheKindNeeds(string kind, string first, string? second)
    {
        var report = Check(new() { [P + "Kind"] = kind });

        report.Failures.Select(f => f.Key).Where(k => k.StartsWith(P, StringComparison.Ordinal)).Should().BeEquivalentTo(second is null ? [P + first] : new[] { P + first, P + second });
    }

    [Fact]
    public void RouteNamingAnUnknownPolicy_IsRefusedByYarpsOwnValidator_AsItWouldBeAtRunTime()
    {
        var report = Check(Valid(("ReverseProxy:Routes:r:RateLimiterPolicy", "missing"), ("ReverseProxy:Routes:r:ClusterId", "c"), ("ReverseProxy:Routes:r:Match:Path", "/{**x}"), ("ReverseProxy:Clusters:c:Destinations:d:Address", "http://127.0.0.1:1")));

        report.Failures.Should().ContainSingle(f => f.Key == "ReverseProxy:Routes:r" && f.Message.Contains("RateLimiter policy 'missing' not found"), string.Join('\n', report.Findings));
    }

    [Fact]
    public void Check_ListsEachPolicyWithItsRoutes_AndWarnsWhatWouldSurpriseAnOperator()
    {
        var report = Check(Valid(("EdgeProxy:RateLimiting:Policies:users:Kind", "FixedWindow"), ("EdgeProxy:RateLimiting:Policies:users:PermitLimit", "5"), ("EdgeProxy:RateLimiting:Policies:users:Window", "1m"), ("EdgeProxy:RateLimiting:Policies:users:PartitionBy", "Claim"), ("EdgeProxy:RateLimiting:Policies:users:Claim", "sub"), ("EdgeProxy:RateLimiting:DefaultPolicy", "p"), ("ReverseProxy:Routes:a:RateLimiterPolicy", "users"), ("ReverseProxy:Routes:b:RateLimiterPolicy", "p"), ("ReverseProxy:Routes:c:RateLimiterPolicy", "Disable")));

        var findings = report.Findings.ToLookup(f => f.Key);
        findings["EdgeProxy:RateLimiting:Policies:users"].Single().Message.Should().Be("FixedWindow: 5 per 00:01:00 per claim sub (else client address), queue 0, at most 10000 partitions; routes: a");
        findings["EdgeProxy:RateLimiting:Policies:p"].Single().Message.Should().EndWith("; default: every route not set to Disable");
        findings["ReverseProxy:Routes:a:RateLimiterPolicy"].Should().ContainSingle(f => f.Severity == Severity.Warn && f.Message.Contains("validates no token"));
        findings["ReverseProxy:Routes:b:RateLimiterPolicy"].Should().ContainSingle(f => f.Severity == Severity.Warn && f.Message.Contains("applies twice"));
        report.Failures.Should().NotContain(f => f.Key.StartsWith("EdgeProxy:RateLimiting", StringComparison.Ordinal) || f.Key.EndsWith(":RateLimiterPolicy", StringComparison.Ordinal));
    }

    [Fact]
    public void TokenBucket_WhoseRefillIsMoreThanItsLimit_IsWarnedAbout_SinceTheFrameworkCutsEachRefill()
    {
        var report = Check(Valid((P + "Kind", "TokenBucket"), (P + "PermitLimit", null!), (P + "Window", null!), (P + "TokenLimit", "50"), (P + "TokensPerPeriod", "100"), (P + "ReplenishmentPeriod", "1m")));
        var fine = Check(Valid((P + "Kind", "TokenBucket"), (P + "PermitLimit", null!), (P + "Window", null!), (P + "TokenLimit", "50"), (P + "TokensPerPeriod", "5"), (P + "ReplenishmentPeriod", "3s")));

        report.Findings.Should().ContainSingle(f => f.Key == P + "TokensPerPeriod" && f.Severity == Severity.Warn && f.Message.Contains("the rate is 50 per 00:01:00, not 100"), string.Join('\n', report.Findings));
        report.Failures.Should().NotContain(f => f.Key.StartsWith("EdgeProxy:RateLimiting", StringComparison.Ordinal));
        fine.Findings.Should().NotContain(f => f.Key == P + "TokensPerPeriod");
    }

    [Fact]
    public void Reload_ThatNeedsANameOrADefaultPolicyUnknownAtStart_IsRefused_AndLimitChangesAreNot()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new EdgeProxy.Observability.EdgeProxyMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), new EdgeProxy.Tls.CertificateStore(TimeSpan.FromMinutes(1), Microsoft.Extensions.Logging.Abstractions.NullLogger<EdgeProxy.Tls.CertificateStore>.Instance));
        using var options = new ServiceCollection().AddEdgeProxyOptions(Config(Valid(("ReverseProxy:Routes:a:RateLimiterPolicy", "p"))), new ConfigContext(Path.GetTempPath(), () => [])).BuildServiceProvider();
        using var state = new RateLimitState(options.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<RateLimitingOptions>>(), metrics);

        var changedLimit = CheckReload(state, Valid((P + "PermitLimit", "50"), ("ReverseProxy:Routes:a:RateLimiterPolicy", "p")));
        var newName = CheckReload(state, Valid(("EdgeProxy:RateLimiting:Policies:q:Kind", "Concurrency"), ("EdgeProxy:RateLimiting:Policies:q:PermitLimit", "1"), ("ReverseProxy:Routes:a:RateLimiterPolicy", "q"), ("EdgeProxy:RateLimiting:DefaultPolicy", "p")));

        changedLimit.HasFailures.Should().BeFalse();
        newName.Failures.Select(f => f.Key).Should().BeEquivalentTo("ReverseProxy:Routes:a:RateLimiterPolicy", "EdgeProxy:RateLimiting:DefaultPolicy");
        newName.Failures.Should().OnlyContain(f => f.Message.Contains("restart EdgeProxy"));
    }

    /// <summary>A valid FixedWindow policy p, with <paramref name="more"/> set (or replaced) on top.</summary>
    private static Dictionary<string, string?> Valid(params (string Key, string Value)[] more)
    {
        var values = new Dictionary<string, string?> { [P + "Kind"] = "FixedWindow", [P + "PermitLimit"] = "10", [P + "Window"] = "1s" };
        foreach (var (key, value) in more)
        {
            values[key] = value;
        }

        return values;
    }

    private static IConfiguration Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static ConfigReport Check(Dictionary<string, string?> values) => ConfigChecker.Check(Config(values), Path.GetTempPath()).Report;

    /// <summary>A reload candidate as the running proxy checks it: the routes as YARP read them, the bound options.</summary>
    private static ConfigReport CheckReload(RateLimitState state, Dictionary<string, string?> values)
    {
        var report = new ConfigReport();
        var candidate = Config(values);
        state.CheckReload(ConfigChecker.Check(candidate, Path.GetTempPath()).Routes, BoundOptions.Get<RateLimitingOptions>(candidate), report);
        return report;
    }
}
