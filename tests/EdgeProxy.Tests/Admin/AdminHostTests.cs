using System.Net;
using EdgeProxy.Admin;
using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Admin;

/// <summary>
/// DNS rebinding against the admin listener: a page whose own name points at the proxy's address sends that name as
/// Host, and must read nothing — not /metrics, /status.json, the status page or readiness. IP addresses and localhost
/// are always answered (a request to an address is cross-origin to every page), configured names and subdomains too.
/// </summary>
public sealed class AdminHostTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Paths = ["/metrics", "/status.json", "/", "/readyz", "/healthz", "/status.js"];
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("rebind.attacker.example")]
    [InlineData("rebind.attacker.example:9901")]
    [InlineData("127.0.0.1.nip.io")]
    [InlineData("localhost.attacker.example")]
    [InlineData("localhost.")]
    [InlineData("LOCALHOST.attacker.example")]
    [InlineData("edgeproxy")]
    public async Task ANameNotAllowed_Gets421OnEveryAdminPath_AndReadsNothing(string host)
    {
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path), output);
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);

        foreach (var path in Paths)
        {
            var (status, body) = await GetAsync(admin, path, host);
            status.Should().Be(HttpStatusCode.MisdirectedRequest, $"{path} with Host {host}");
            body.Should().Contain("EdgeProxy:Admin:AllowedHosts").And.NotContain("edgeproxy_").And.NotContain("ready").And.NotContain("<html", "nothing of the page is served");
        }

        proxy.Logs.Lines.Where(l => l.Contains("Admin listener: refused", StringComparison.Ordinal)).Should()
            .ContainSingle("the refusal is logged for the operator, once per name however often it comes").Which.Should().Contain("\"/metrics\"");
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.20.30.40:9901")]
    [InlineData("[::1]")]
    [InlineData("[fe80::1]:9901")]
    [InlineData("localhost")]
    [InlineData("LocalHost:9901")]
    public async Task AddressesAndLocalhost_AreAnswered(string host)
    {
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path), output);
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);

        (await GetAsync(admin, "/readyz", host)).Should().Be((HttpStatusCode.OK, "ready\n"));
        var (status, metrics) = await GetAsync(admin, "/metrics", host);
        status.Should().Be(HttpStatusCode.OK);
        metrics.Should().Contain("# TYPE");
    }

    [Fact]
    public async Task ConfiguredNamesAndSubdomains_AreAnswered_OthersRefused_AndAReloadAddsNames()
    {
        var config = new TestConfig(_dir.Path).Set("EdgeProxy:Admin:AllowedHosts:0", "edgeproxy").Set("EdgeProxy:Admin:AllowedHosts:1", "*.monitoring.svc");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);

        foreach (var host in (string[])["edgeproxy", "EDGEPROXY:9901", "prometheus.monitoring.svc", "a.b.monitoring.svc:9901"])
        {
            (await GetAsync(admin, "/readyz", host)).Status.Should().Be(HttpStatusCode.OK, host);
        }

        foreach (var host in (string[])["monitoring.svc", "evilmonitoring.svc", "edgeproxy.attacker.example", "grafana"])
        {
            (await GetAsync(admin, "/readyz", host)).Status.Should().Be(HttpStatusCode.MisdirectedRequest, host);
        }

        proxy.Config.Set("EdgeProxy:Admin:AllowedHosts:2", "grafana");
        proxy.WriteConfig();
        (await Eventually.EqualsAsync(async () => (await GetAsync(admin, "/readyz", "grafana")).Status, HttpStatusCode.OK)).Should().Be(HttpStatusCode.OK, "a reload adds the name");
    }

    [Fact]
    public async Task Star_AnswersEveryName()
    {
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path).Set("EdgeProxy:Admin:AllowedHosts:0", "*"), output);
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);

        (await GetAsync(admin, "/readyz", "anything.example")).Status.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("http://edgeproxy", "without scheme")]
    [InlineData("edgeproxy:9901", "without scheme, port or path")]
    [InlineData("edgeproxy/metrics", "without scheme, port or path")]
    [InlineData("*.", "is not a host name")]
    [InlineData("a*b.example", "is not a host name")]
    [InlineData("*example.com", "is not a host name")]
    [InlineData("", "is not a host name")]
    [InlineData("bad..name", "is not a host name")]
    public void AnEntryThatCannotMatchAHost_IsRefused_NamingTheKey(string entry, string message)
    {
        var report = new ConfigReport();
        new AdminOptionsValidator().Check(new AdminOptions { AllowedHosts = [entry] }, report);

        report.Failures.Should().ContainSingle().Which.ToString().Should().Contain("EdgeProxy:Admin:AllowedHosts").And.Contain(message);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("edgeproxy")]
    [InlineData("*.monitoring.svc.cluster.local")]
    [InlineData("prometheus_scraper.internal")]
    public void ValidEntries_PassCheck(string entry)
    {
        var report = new ConfigReport();
        new AdminOptionsValidator().Check(new AdminOptions { AllowedHosts = [entry] }, report);

        report.HasFailures.Should().BeFalse(string.Join("; ", report.Failures));
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient client, string path, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
