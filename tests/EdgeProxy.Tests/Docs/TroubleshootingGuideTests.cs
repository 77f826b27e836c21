using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using EdgeProxy.Tests.Authentication;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Docs;

/// <summary>
/// docs/troubleshooting.md quotes what the proxy really says. Its <c>text</c> blocks are matched against the
/// response bodies and the console output of a real EdgeProxy process driven into each of those failures (names,
/// addresses, paths and numbers may differ); its <c>log</c> blocks, whose set-ups other tests own, must match a
/// message the source can produce.
/// </summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed partial class TroubleshootingGuideTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string Guide = File.ReadAllText(Repo.Path("docs", "troubleshooting.md"));
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task EveryQuotedAnswerAndLogLine_IsWhatARealProcessSays()
    {
        var quotes = Block("text").ToList();
        quotes.Should().HaveCountGreaterThan(15);
        var hold = new TaskCompletionSource();
        await using var slow = await TestUpstream.StartAsync(app => app.MapFallback(async () => await hold.Task.WaitAsync(TimeSpan.FromSeconds(20))));
        await using var reset = MisbehavingUpstream.Start(Misbehaviour.Reset);
        await using var closing = MisbehavingUpstream.Start(Misbehaviour.Close);
        await using var garbage = MisbehavingUpstream.Start(Misbehaviour.Garbage);
        var key = TestSigningKey.Rsa("guide-1");
        await using var issuer = await TestIssuer.StartAsync(0, key);
        var (https, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{https}")
            .Set("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{TestClients.FreePort()}")
            .Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{admin}")
            .Set("Kestrel:Endpoints:Https:ClientCertificateMode", "AllowCertificate")
            .Set("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { TestPki.Instance.WriteRootPem(_dir.Combine("client-ca")) })
            .Set("EdgeProxy:Streaming:Policies:Buffered:MaxRequestBodySize", 1024)
            .Set("EdgeProxy:Authorization:Policies:writers:Scopes", new[] { "api:write" })
            .Route("app", "/app", "app", new Dictionary<string, string> { ["EdgeProxy.TryDuration"] = "300ms" })
            .Route("orders", "/orders", "orders", new Dictionary<string, string> { ["EdgeProxy.TryDuration"] = "0" })
            .Route("uploads", "/uploads", "uploads", new Dictionary<string, string> { ["EdgeProxy.TryDuration"] = "0" })
            .Route("legacy", "/legacy", "legacy", new Dictionary<string, string> { ["EdgeProxy.TryDuration"] = "0" })
            .Route("empty", "/empty", "empty")
            .Route("reports", "/reports", "reports")
            .Route("api", "/api", "reports").Set("ReverseProxy:Routes:api:AuthorizationPolicy", "Default")
            .Route("write", "/write", "reports").Set("ReverseProxy:Routes:write:AuthorizationPolicy", "writers")
            .Route("partners", "/partners", "reports", new Dictionary<string, string> { ["EdgeProxy.ClientCert"] = "Required" })
            .Route("internal", "/internal", "reports", new Dictionary<string, string> { ["EdgeProxy.AllowFrom"] = "10.0.0.0/8" })
            .Cluster("app", $"http://127.0.0.1:{TestClients.FreePort()}/")
            .Cluster("orders", reset.Url).Cluster("uploads", closing.Url).Cluster("legacy", garbage.Url)
            .Set("ReverseProxy:Clusters:empty:LoadBalancingPolicy", "RoundRobin")
            .Cluster("reports", slow.Url).Set("ReverseProxy:Clusters:reports:HttpRequest:ActivityTimeout", "00:00:01");
        AuthFixture.Configure(config, "corp", issuer.Url, null, _dir.Path);
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);
        await proxy.WaitReadyAsync(admin);
        using var client = TestClients.Https(https, trustAny: true);
        var token = TestTokens.Sign(key, TestTokens.Claims(issuer.Url));

        var bodies = new List<string>();
        foreach (var (path, body, bearer) in new (string, int, bool)[]
        {
            ("/app", 0, false), ("/orders", 8, false), ("/uploads", 8, false), ("/uploads", 4096, false), ("/legacy", 0, false), ("/empty", 0, false),
            ("/reports", 0, false), ("/api", 0, false), ("/write", 0, true), ("/partners", 0, false), ("/internal", 0, false),
        })
        {
            using var request = new HttpRequestMessage(body > 0 ? HttpMethod.Post : HttpMethod.Get, path) { Content = body > 0 ? new ByteArrayContent(new byte[body]) : null };
            request.Headers.Authorization = bearer ? new AuthenticationHeaderValue("Bearer", token) : null;
            using var response = await client.SendAsync(request);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }

        hold.TrySetResult();
        config.Set("ReverseProxy:Routes:app:ClusterId", "ap").Write();
        await Eventually.EqualsAsync(() => Task.FromResult(proxy.Output.Contains("rejected, still serving", StringComparison.Ordinal)), true);
        output.WriteLine(proxy.Output);
        var said = bodies.Select(b => b.TrimEnd('\n')).Concat(proxy.Output.Split('\n').Select(l => l.TrimEnd('\r'))).ToList();

        quotes.Where(q => !said.Any(line => Pattern(q).IsMatch(line))).Should().BeEmpty("each of these lines of docs/troubleshooting.md was never said:\n" + string.Join('\n', bodies));
    }

    [Fact]
    public void EveryQuoteOfAnotherTestsSetUp_MatchesAMessageTheSourceCanProduce()
    {
        var quotes = Block("log").ToList();
        quotes.Should().HaveCountGreaterThanOrEqualTo(4);
        var templates = Directory.EnumerateFiles(Repo.Path("src", "EdgeProxy"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => SourceString().Matches(File.ReadAllText(f)).Select(m => m.Groups["s"].Value.Replace("\\n", string.Empty, StringComparison.Ordinal)))
            .Where(s => s.Contains('{', StringComparison.Ordinal) && TemplateHole().Replace(s, string.Empty).Length >= 20) // "{Finding}" would match anything
            .Select(s => new Regex("^" + string.Concat(TemplateHole().Split(s).Select(Regex.Escape).Select((part, i) => i == 0 ? part : ".+" + part)) + "$"))
            .ToList();
        templates.Should().HaveCountGreaterThan(100);

        quotes.Where(q => !templates.Any(t => t.IsMatch(q))).Should().BeEmpty();
        templates.Any(t => t.IsMatch("FAIL Kestrel:Endpoints:Https:Url: https://*:8443: port 8443 is in use by someone")).Should().BeFalse("a reworded message must not pass");
    }

    private static IEnumerable<string> Block(string kind) =>
        Regex.Matches(Guide, $"```{kind}\\n(?<body>.*?)```", RegexOptions.Singleline)
            .SelectMany(m => m.Groups["body"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The quote with its examples (names, addresses, paths, numbers) as wildcards, everything else literal.</summary>
    private static Regex Pattern(string quote) =>
        new(string.Concat(Example().Split(quote).Select((part, i) => i % 2 == 1 ? Wildcard(part) : Regex.Escape(part))));

    private static string Wildcard(string example) => example switch
    {
        _ when example.StartsWith("http", StringComparison.Ordinal) => @"https?://[^\s,)]+",
        _ when example.StartsWith('/') => @"/\S+\.json",
        _ when example.StartsWith('\'') => "'[^']*'",
        _ when char.IsAsciiDigit(example[0]) => @"\d+(?:\.\d+)*",
        _ => @"[\w-]+",
    };

    // One capture group, so Split keeps the examples at the odd positions.
    [GeneratedRegex(@"(https?://[^\s,)]+|/[\w/.-]+\.json|'[^']*'|(?<=\b(?:route|Route|cluster) )[a-z][\w-]*|\d+(?:\.\d+)*)")]
    private static partial Regex Example();

    [GeneratedRegex(@"(?<![\w""])\$?""(?<s>(?:[^""\\\n]|\\.)*)""")]
    private static partial Regex SourceString();

    [GeneratedRegex(@"\{[^{}]+\}")]
    private static partial Regex TemplateHole();
}
