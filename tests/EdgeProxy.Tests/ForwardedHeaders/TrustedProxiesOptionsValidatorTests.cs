using EdgeProxy.Configuration;

namespace EdgeProxy.Tests.ForwardedHeaders;

/// <summary>The validator through the same ConfigChecker pass as <c>check</c>, start and reload.</summary>
public sealed class TrustedProxiesOptionsValidatorTests
{
    private static ConfigReport Check(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>(BuiltInDefaults.Values);
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return ConfigChecker.Check(config, Path.GetTempPath()).Report;
    }

    private static IEnumerable<string> Lines(ConfigReport report, string keyPart) =>
        report.Findings.Where(f => f.Key.Contains(keyPart, StringComparison.Ordinal)).Select(f => f.ToString());

    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("192.0.2.7")]
    [InlineData("2001:db8::/32")]
    [InlineData("2001:db8::1")]
    [InlineData("::ffff:10.0.0.0/104")]
    [InlineData(" 172.16.0.0/12 ")]
    public void GoodNetwork_IsAccepted(string network)
    {
        var report = Check(("EdgeProxy:TrustedProxies:Networks:0", network));

        report.HasFailures.Should().BeFalse(string.Join('\n', report.Findings));
        Lines(report, "TrustedProxies:Networks").Should().ContainSingle().Which.Should().Be("OK EdgeProxy:TrustedProxies:Networks: 1 trusted network(s)");
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.1.2.3/8")]
    [InlineData("10.0.0")]
    [InlineData("0x7f.1")]
    [InlineData("example.com")]
    [InlineData("10.0.0.0/")]
    [InlineData("[::1]")]
    [InlineData("::1%eth0")]
    [InlineData("*")]
    public void BadNetwork_FailsNamingTheEntry(string network)
    {
        var report = Check(("EdgeProxy:TrustedProxies:Networks:0", "10.0.0.0/8"), ("EdgeProxy:TrustedProxies:Networks:1", network));

        report.Failures.Select(f => f.Key).Should().Equal("EdgeProxy:TrustedProxies:Networks:1");
        report.Failures.Single().Message.Should().Contain(network.Trim());
    }

    [Fact]
    public void EveryProblem_IsReported_InOnePass()
    {
        var report = Check(
            ("EdgeProxy:TrustedProxies:Networks:0", "nope"),
            ("EdgeProxy:TrustedProxies:Networks:1", "10.0.0.0/99"),
            ("EdgeProxy:TrustedProxies:Source", "Header"),
            ("EdgeProxy:TrustedProxies:EmitForwarded", "yes"),
            ("EdgeProxy:TrustedProxies:ProxyProtocol:0", "Nlb"),
            ("ReverseProxy:Routes:r:ClusterId", "c"),
            ("ReverseProxy:Routes:r:Match:Path", "/{**x}"),
            ("ReverseProxy:Routes:r:Metadata:EdgeProxy.AllowFrom", "10.0.0.0/8, bogus"),
            ("ReverseProxy:Clusters:c:Destinations:d:Address", "http://127.0.0.1:1/"));

        report.Failures.Select(f => f.Key).Should().BeEquivalentTo(
            "EdgeProxy:TrustedProxies:Networks:0",
            "EdgeProxy:TrustedProxies:Networks:1",
            "EdgeProxy:TrustedProxies:Source",
            "EdgeProxy:TrustedProxies:EmitForwarded",
            "EdgeProxy:TrustedProxies:ProxyProtocol:0",
            "ReverseProxy:Routes:r:Metadata:EdgeProxy.AllowFrom");
    }

    [Theory]
    [InlineData("0.0.0.0/0")]
    [InlineData("::/0")]
    public void TrustEveryone_Warns(string network)
    {
        var report = Check(("EdgeProxy:TrustedProxies:Networks:0", network));

        report.HasFailures.Should().BeFalse();
        Lines(report, "TrustedProxies:Networks:0").Should().ContainSingle().Which.Should().StartWith("WARN EdgeProxy:TrustedProxies:Networks:0: '" + network + "' trusts every peer");
    }

    [Fact]
    public void NoNetworks_IsOk_AndSaysNobodyIsTrusted()
    {
        var report = Check();

        Lines(report, "TrustedProxies").Should().ContainSingle().Which.Should().Contain("nobody is trusted");
    }

    [Fact]
    public void NetworksAsPlainString_Fails()
    {
        var report = Check(("EdgeProxy:TrustedProxies:Networks", "10.0.0.0/8"));

        report.Failures.Should().ContainSingle().Which.Key.Should().Be("EdgeProxy:TrustedProxies:Networks");
    }

    [Fact]
    public void ProxyProtocol_WithoutTrustedNetworks_Fails()
    {
        var report = Check(("EdgeProxy:TrustedProxies:ProxyProtocol:0", "Https"));

        report.Failures.Should().ContainSingle().Which.Message.Should().Contain("every connection would be refused");
    }

    [Fact]
    public void ProxyProtocol_OnKnownEndpoint_WithTrustedNetworks_IsOk()
    {
        var report = Check(("EdgeProxy:TrustedProxies:Networks:0", "10.0.0.0/8"), ("EdgeProxy:TrustedProxies:ProxyProtocol:0", "https"));

        report.HasFailures.Should().BeFalse(string.Join('\n', report.Findings));
    }

    [Fact]
    public void ProxyProtocol_OnHttp3Endpoint_Warns()
    {
        var report = Check(
            ("EdgeProxy:TrustedProxies:Networks:0", "10.0.0.0/8"),
            ("EdgeProxy:TrustedProxies:ProxyProtocol:0", "Https"),
            ("Kestrel:Endpoints:Https:Url", "https://*:8443"), // a named endpoint gets no default Url
            ("Kestrel:Endpoints:Https:Protocols", "Http1AndHttp2AndHttp3"));

        report.Findings.Should().Contain(f => f.Severity == Severity.Warn && f.Key == "EdgeProxy:TrustedProxies:ProxyProtocol:0" && f.Message.Contains("HTTP/3"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    public void EmptyAllowFrom_Fails(string list)
    {
        var report = Check(
            ("ReverseProxy:Routes:r:ClusterId", "c"),
            ("ReverseProxy:Routes:r:Match:Path", "/{**x}"),
            ("ReverseProxy:Routes:r:Metadata:EdgeProxy.AllowFrom", list),
            ("ReverseProxy:Clusters:c:Destinations:d:Address", "http://127.0.0.1:1/"));

        report.Failures.Should().ContainSingle().Which.Key.Should().Be("ReverseProxy:Routes:r:Metadata:EdgeProxy.AllowFrom");
    }

    [Theory]
    [InlineData("X-Forwarded", "Append")]
    [InlineData("Forwarded", "for,proto")]
    public void RouteForwardedTransform_WarnsThatItIsIgnored(string key, string value)
    {
        var report = Check(
            ("ReverseProxy:Routes:r:ClusterId", "c"),
            ("ReverseProxy:Routes:r:Match:Path", "/{**x}"),
            ($"ReverseProxy:Routes:r:Transforms:0:{key}", value),
            ("ReverseProxy:Clusters:c:Destinations:d:Address", "http://127.0.0.1:1/"));

        report.Findings.Should().Contain(f => f.Severity == Severity.Warn && f.Key == "ReverseProxy:Routes:r:Transforms:0" && f.Message.Contains("ignored"));
    }

    [Fact]
    public void UnknownKey_Fails_NamingTheKeyMeant()
    {
        // A misspelt Networks would leave nobody trusted while the operator believes the balancer is: refused, not ignored.
        var report = Check(("EdgeProxy:TrustedProxies:Network:0", "10.0.0.0/8"));

        report.Failures.Should().Contain(f => f.Key == "EdgeProxy:TrustedProxies:Network" && f.Message == "unknown key; did you mean EdgeProxy:TrustedProxies:Networks?");
    }
}
