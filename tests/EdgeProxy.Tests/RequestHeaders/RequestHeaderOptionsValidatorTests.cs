using EdgeProxy.Configuration;

namespace EdgeProxy.Tests.RequestHeaders;

/// <summary><c>EdgeProxy:RequestHeaders</c> and the route keys it pairs with, through the same pass as <c>check</c>.</summary>
public sealed class RequestHeaderOptionsValidatorTests
{
    private static ConfigReport Check(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>(BuiltInDefaults.Values);
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        return ConfigChecker.Check(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), Path.GetTempPath()).Report;
    }

    [Theory]
    [InlineData("X-Forwarded-For", "written by EdgeProxy")]
    [InlineData("x_real_ip", "written by EdgeProxy")]
    [InlineData("X-Auth-Request-*", "written by EdgeProxy")]
    [InlineData("X-*", "written by EdgeProxy")]
    [InlineData("X-SSL-Client-Cert", "ClientCertificates:AcceptFromTrustedProxies")]
    [InlineData("X-Client-Cert-Hash", "ClientCertificates:AcceptFromTrustedProxies")]
    [InlineData("X-Original-URL", "bypass the route")]
    [InlineData("X-Envoy-Internal", "bypass the route")]
    [InlineData("X-HTTP-Method-Override", "EdgeProxy.MethodOverride")]
    [InlineData("Bad Name", "is not a header name")]
    [InlineData("X-Ok:", "is not a header name")]
    [InlineData("*", "is not a header name")]
    public void AcceptFromTrustedProxies_RefusesWhatMayNeverPass(string name, string why)
    {
        var report = Check(("EdgeProxy:TrustedProxies:Networks:0", "10.0.0.0/8"), ("EdgeProxy:RequestHeaders:AcceptFromTrustedProxies:0", name));

        report.Failures.Should().ContainSingle().Which.ToString().Should().StartWith("FAIL EdgeProxy:RequestHeaders:AcceptFromTrustedProxies:0: ").And.Contain(why);
    }

    [Theory]
    [InlineData("X-Goog-Authenticated-User-Email")]
    [InlineData("CF-IPCountry")]
    [InlineData("X-Forwarded-Email")]
    [InlineData("X-MS-Client-Principal*")]
    [InlineData("X-My-Own-User")]
    public void AcceptFromTrustedProxies_TakesIdentityAndAddressHeaders(string name)
    {
        var report = Check(("EdgeProxy:TrustedProxies:Networks:0", "10.0.0.0/8"), ("EdgeProxy:RequestHeaders:AcceptFromTrustedProxies:0", name));

        report.HasFailures.Should().BeFalse(string.Join('\n', report.Findings));
        report.Findings.Should().Contain(f => f.ToString() == "OK EdgeProxy:RequestHeaders: 0 more header(s) removed from every peer, 1 accepted from trusted proxies only");
    }

    [Fact]
    public void EveryProblem_IsReported_InOnePass()
    {
        var report = Check(
            ("EdgeProxy:RequestHeaders:Strip", "X-One"),
            ("EdgeProxy:RequestHeaders:AcceptFromTrustedProxies:0", "X-Two"),
            ("EdgeProxy:RequestHeaders:AcceptFromTrustedProxies:1", "X-Real-IP"),
            ("EdgeProxy:RequestHeaders:Stripp:0", "X-Three"),
            ("ReverseProxy:Routes:r:ClusterId", "c"),
            ("ReverseProxy:Routes:r:Match:Path", "{**all}"),
            ("ReverseProxy:Routes:r:Metadata:EdgeProxy.Path", "Loose"),
            ("ReverseProxy:Routes:r:Metadata:EdgeProxy.MethodOverride", "Yes"),
            ("ReverseProxy:Clusters:c:Destinations:d:Address", "http://127.0.0.1:1/"));

        report.Failures.Select(f => f.Key).Should().BeEquivalentTo(
            "EdgeProxy:RequestHeaders:Stripp",
            "EdgeProxy:RequestHeaders:Strip",
            "EdgeProxy:RequestHeaders:AcceptFromTrustedProxies:1",
            "ReverseProxy:Routes:r:Metadata:EdgeProxy.Path",
            "ReverseProxy:Routes:r:Metadata:EdgeProxy.MethodOverride");
        report.Findings.Should().Contain(f => f.ToString() == "FAIL EdgeProxy:RequestHeaders:Stripp: unknown key; did you mean EdgeProxy:RequestHeaders:Strip?");
        report.Findings.Should().Contain(f => f.ToString().StartsWith("WARN EdgeProxy:RequestHeaders:AcceptFromTrustedProxies: EdgeProxy:TrustedProxies:Networks is empty", StringComparison.Ordinal));
    }

    [Fact]
    public void NameInBothLists_Fails()
    {
        var report = Check(("EdgeProxy:RequestHeaders:Strip:0", "X-Team"), ("EdgeProxy:RequestHeaders:AcceptFromTrustedProxies:0", "x_team"));

        report.Failures.Should().ContainSingle().Which.Message.Should().Contain("also under EdgeProxy:RequestHeaders:Strip");
    }

    [Fact]
    public void AsSentRoute_IsWarnedAbout()
    {
        var report = Check(
            ("ReverseProxy:Routes:r:ClusterId", "c"),
            ("ReverseProxy:Routes:r:Match:Path", "{**all}"),
            ("ReverseProxy:Routes:r:Metadata:EdgeProxy.Path", "assent"),
            ("ReverseProxy:Clusters:c:Destinations:d:Address", "http://127.0.0.1:1/"));

        report.HasFailures.Should().BeFalse(string.Join('\n', report.Findings));
        report.Findings.Should().Contain(f => f.Severity == Severity.Warn && f.Key == "ReverseProxy:Routes:r:Metadata:EdgeProxy.Path");
    }
}
