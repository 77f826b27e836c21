using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using EdgeProxy.Tests.Authentication;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Observability;

/// <summary>
/// What the operator reads when things go wrong, counted line by line in the output of a real EdgeProxy process
/// (stdout redirected, as in a container): each failed request is one line besides its access-log line, no stack
/// trace at the default level, each start-up warning once, a port in use one FAIL line.
/// </summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed class QuietLogProcessTests(ITestOutputHelper output) : IDisposable
{
    private const int SigTerm = 15;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task EachFailure_IsOneLine_NamingRouteAndWhy_WithoutAStackTrace_AndEachStartupWarningOnce()
    {
        var hold = new TaskCompletionSource();
        await using var slow = await TestUpstream.StartAsync(app => app.MapFallback(async () => await hold.Task.WaitAsync(TimeSpan.FromSeconds(20))));
        await using var resetter = MisbehavingUpstream.Start(Misbehaviour.Reset);
        var key = TestSigningKey.Rsa("quiet-1");
        await using var issuer = await TestIssuer.StartAsync(0, key);
        var (config, https, admin) = PortsConfig();
        var (closed, closed2) = ($"http://127.0.0.1:{TestClients.FreePort()}/", $"http://127.0.0.1:{TestClients.FreePort()}/");
        config.WithoutCertificate() // the self-signed certificate: its warning once, not once more as a finding
            .Set("EdgeProxy:TrustedProxies:Networks", new[] { "0.0.0.0/0" })
            .Set("Kestrel:Endpoints:Https:ClientCertificateMode", "AllowCertificate")
            .Set("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { TestPki.Instance.WriteRootPem(_dir.Combine("client-ca")) })
            .Set("EdgeProxy:Authorization:Policies:writers:Scopes", new[] { "api:write" })
            .Route("refused", "/refused", "down", new Dictionary<string, string> { ["EdgeProxy.TryDuration"] = "0" })
            .Route("waited", "/waited", "down2", new Dictionary<string, string> { ["EdgeProxy.TryDuration"] = "300ms" })
            .Route("timeout", "/timeout", "slow")
            .Route("reset", "/reset", "reset")
            .Route("empty", "/empty", "empty")
            .Route("cert", "/cert", "slow", new Dictionary<string, string> { ["EdgeProxy.ClientCert"] = "Required" })
            .Route("token", "/token", "slow").Set("ReverseProxy:Routes:token:AuthorizationPolicy", "Default")
            .Route("scope", "/scope", "slow").Set("ReverseProxy:Routes:scope:AuthorizationPolicy", "writers")
            .Route("allow", "/allow", "slow", new Dictionary<string, string> { ["EdgeProxy.AllowFrom"] = "10.0.0.0/8" })
            .Cluster("down", closed)
            .Cluster("down2", closed2)
            .Cluster("slow", slow.Url).Set("ReverseProxy:Clusters:slow:HttpRequest:ActivityTimeout", "00:00:01")
            .Cluster("reset", resetter.Url).Set("ReverseProxy:Clusters:reset:Metadata:EdgeProxy.TryDuration", "0")
            .Set("ReverseProxy:Clusters:empty:LoadBalancingPolicy", "RoundRobin");
        AuthFixture.Configure(config, "corp", issuer.Url, null, _dir.Path);
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);
        await proxy.WaitReadyAsync(admin);
        using var client = TestClients.Https(https, trustAny: true);
        var tokenWithoutScope = TestTokens.Sign(key, TestTokens.Claims(issuer.Url));

        var answers = new Dictionary<string, (int Status, string Body)>();
        foreach (var (route, method, token) in new[]
        {
            ("refused", HttpMethod.Get, null), ("waited", HttpMethod.Get, null), ("timeout", HttpMethod.Get, null), ("reset", HttpMethod.Post, null),
            ("empty", HttpMethod.Get, null), ("cert", HttpMethod.Get, null), ("token", HttpMethod.Get, null), ("scope", HttpMethod.Get, tokenWithoutScope), ("allow", HttpMethod.Get, null),
        })
        {
            using var request = new HttpRequestMessage(method, "/" + route) { Content = method == HttpMethod.Post ? new StringContent("order=1") : null };
            request.Headers.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.SendAsync(request);
            answers[route] = ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        hold.TrySetResult();
        config.Route("added", "/added", "slow").Write(); // a reload: standing warnings are not repeated
        await Eventually.EqualsAsync(() => Task.FromResult(proxy.Output.Contains("Configuration reloaded", StringComparison.Ordinal)), true);
        proxy.Signal(SigTerm);
        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(20))).Should().Be(0, proxy.Output);
        var lines = proxy.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        output.WriteLine(proxy.Output);

        answers["refused"].Should().Be((502, "502 Bad Gateway: route 'refused': connection refused\n"));
        answers["waited"].Should().Be((502, "502 Bad Gateway: route 'waited': connection refused\n"));
        answers["timeout"].Should().Be((504, "504 Gateway Timeout: route 'timeout': upstream timed out\n"));
        answers["reset"].Status.Should().Be(502);
        answers["empty"].Should().Be((503, "503 Service Unavailable: route 'empty': no healthy destination\n"));
        answers["cert"].Should().Be((403, "403 Forbidden: route 'cert' requires a valid client certificate; no client certificate was presented\n"));
        answers["token"].Should().Be((401, "401 Unauthorized: route 'token': a bearer token is required (Authorization: Bearer <token>)\n"));
        answers["scope"].Should().Be((403, "403 Forbidden: route 'scope': the token does not satisfy policy 'writers': scopes api:write required\n"));
        answers["allow"].Should().Be((403, "403 Forbidden: this route is not open to your address\n"));

        var d = Regex.Escape(closed);
        var expected = new Dictionary<string, string>
        {
            ["refused"] = $@"WRN\] EdgeProxy\.ErrorPages\.UpstreamErrorPage: Upstream failure on route refused: connection refused \(cluster down, destination {d}, \d+ ms\)$",
            ["waited"] = $@"WRN\] EdgeProxy\.ErrorPages\.UpstreamErrorPage: Upstream failure on route waited: connection refused \(cluster down2, destination {Regex.Escape(closed2)}, \d+ ms\); gave up after 1 tries and \d+ ms waiting \(try_duration\)$",
            ["timeout"] = $@"WRN\] EdgeProxy\.ErrorPages\.UpstreamErrorPage: Upstream failure on route timeout: upstream timed out \(cluster slow, destination {Regex.Escape(slow.Url)}, \d+ ms\)$",
            ["reset"] = $@"WRN\] EdgeProxy\.ErrorPages\.UpstreamErrorPage: Upstream failure on route reset: (connection reset|upstream closed the connection) \(cluster reset, destination {Regex.Escape(resetter.Url)}, \d+ ms\)$",
            ["empty"] = @"WRN\] EdgeProxy\.ErrorPages\.UpstreamErrorPage: Upstream failure on route empty: no healthy destination \(cluster empty, destination \(none tried\), \d+ ms\)$",
            ["cert"] = @"INF\] EdgeProxy\.ClientCertificates\.ClientCertificateMiddleware: Route cert: 403 at the edge, no client certificate was presented$",
            ["token"] = @"INF\] EdgeProxy\.Authentication\.AuthorizationRefusals: Route token: 401 at the edge, a bearer token is required \(Authorization: Bearer <token>\)$",
            ["scope"] = @"INF\] EdgeProxy\.Authentication\.AuthorizationRefusals: Route scope: 403 at the edge, the token does not satisfy policy 'writers': scopes api:write required$",
            ["allow"] = @"INF\] EdgeProxy\.ForwardedHeaders\.ClientAllowlistMiddleware: Client 127\.0\.0\.1 refused by EdgeProxy\.AllowFrom of route allow$",
        };
        foreach (var (route, pattern) in expected)
        {
            var mentions = lines.Where(l => !l.Contains("EdgeProxy.AccessLog", StringComparison.Ordinal)
                && Regex.IsMatch(l, $@"\b[Rr]oute '?{route}'?([ :]|$)")).ToList();
            mentions.Should().ContainSingle($"one line for the failure on route {route}").Which.Should().MatchRegex(pattern);
            lines.Count(l => l.Contains("EdgeProxy.AccessLog", StringComparison.Ordinal) && l.Contains($" route={route} ", StringComparison.Ordinal))
                .Should().Be(1, $"the access log names route {route} too");
        }

        lines.Should().NotContain(l => l.StartsWith("   at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal), "no stack trace below Debug");
        lines.Should().NotContain(l => l.Contains(" ERR] ", StringComparison.Ordinal) || l.Contains(" FTL] ", StringComparison.Ordinal));
        var startup = lines.Where(l => l.Contains(" WRN] EdgeProxy.Startup: ", StringComparison.Ordinal)).ToList();
        startup.Should().OnlyHaveUniqueItems().And.HaveCount(4, "trusted 0.0.0.0/0, no revocation, a cluster without destinations, the self-signed certificate: each once, and not again on reload");
        startup.Should().ContainSingle(l => l.Contains("self-signed", StringComparison.Ordinal)).Which.Should().Contain("SHA-256");
        lines.Where(l => l.Contains(" WRN] ", StringComparison.Ordinal) && !l.Contains("EdgeProxy.Startup", StringComparison.Ordinal) && !l.Contains("UpstreamErrorPage", StringComparison.Ordinal))
            .Should().BeEmpty("no warning beyond the start-up ones and one per upstream failure, a reload included");
    }

    [Fact]
    public async Task AtDebug_TheStackTraceFollowsTheWarning()
    {
        var (config, https, admin) = PortsConfig();
        config.Route("refused", "/refused", "down", new Dictionary<string, string> { ["EdgeProxy.TryDuration"] = "0" })
            .Cluster("down", $"http://127.0.0.1:{TestClients.FreePort()}/")
            .Set("Serilog:MinimumLevel:Override:EdgeProxy.ErrorPages", "Debug");
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);
        await proxy.WaitReadyAsync(admin);
        using var client = TestClients.Https(https);

        ((int)(await client.GetAsync("/refused")).StatusCode).Should().Be(502);
        proxy.Signal(SigTerm);
        await proxy.WaitForExitAsync(TimeSpan.FromSeconds(20));

        var text = proxy.Output;
        text.Should().MatchRegex(@"WRN\] EdgeProxy\.ErrorPages\.UpstreamErrorPage: Upstream failure on route refused: connection refused \(")
            .And.MatchRegex(@"DBG\] EdgeProxy\.ErrorPages\.UpstreamErrorPage: Upstream failure on route refused: the exception behind it\s+System\.Net\.Http\.HttpRequestException: Connection refused")
            .And.Contain("   at ");
    }

    [Theory]
    [InlineData("Https")]
    [InlineData("Admin")]
    public async Task PortInUse_IsOneFailLine_NamingTheKey_WithoutAStackTrace(string which)
    {
        var (config, https, admin) = PortsConfig();
        var port = which == "Admin" ? admin : https;
        using var occupied = new TcpListener(IPAddress.Loopback, port);
        occupied.Start();
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);

        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(1, proxy.Output);

        var lines = proxy.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var (key, url) = which == "Admin" ? ("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{admin}") : ("Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{https}");
        lines.Should().ContainSingle(l => l.Contains("FAIL", StringComparison.Ordinal) || l.Contains(" ERR] ", StringComparison.Ordinal) || l.Contains(" FTL] ", StringComparison.Ordinal))
            .Which.TrimEnd('\r').Should().Be($"FAIL {key}: {url}: port {port} is in use by another process (another EdgeProxy, nginx, or an earlier instance still running)");
        lines.Should().NotContain(l => l.StartsWith("   at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal), proxy.Output);
    }

    private (TestConfig Config, int Https, int Admin) PortsConfig()
    {
        var (https, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{https}")
            .Set("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{TestClients.FreePort()}")
            .Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{admin}");
        return (config, https, admin);
    }
}
