using System.Net;
using System.Net.Sockets;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Cli;

/// <summary>EdgeProxy as a real process: what an operator's shell, systemd or Kubernetes sees.</summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed class ProcessTests(ITestOutputHelper output) : IDisposable
{
    private const int SigTerm = 15;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private (TestConfig Config, int Https, int Http, int Admin) PortsConfig()
    {
        var (https, http, admin) = (TestClients.FreePort(), TestClients.FreePort(), TestClients.FreePort());
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{https}")
            .Set("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{http}")
            .Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{admin}");
        return (config, https, http, admin);
    }

    [Fact]
    public async Task Sigterm_LetsInFlightRequestFinish_RefusesNewConnections_AndExitsZero()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await TestUpstream.StartAsync(app => app.MapGet("/slow", async context =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await context.Response.WriteAsync("finished after SIGTERM");
        }));
        var (config, https, _, admin) = PortsConfig();
        config.Route("slow", "/slow", "app").Cluster("app", upstream.Url);
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);
        await proxy.WaitReadyAsync(admin);
        using var client = TestClients.Https(https);
        var inFlight = client.GetAsync("/slow");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        proxy.Signal(SigTerm);

        await Eventually.RefusedAsync(https, "still accepting connections after SIGTERM");
        release.SetResult();
        using var response = await inFlight.WaitAsync(TimeSpan.FromSeconds(15));
        (await response.Content.ReadAsStringAsync()).Should().Be("finished after SIGTERM");
        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(20))).Should().Be(0, proxy.Output);
        output.WriteLine(proxy.Output);
    }

    [Fact]
    public async Task Sigterm_ReadyzAnswers503NotRefused_FromTheSignalUntilTheDrainEnds_ThenExitsZero()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await TestUpstream.StartAsync(app => app.MapGet("/slow", async context =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await context.Response.WriteAsync("drained");
        }));
        var (config, https, _, admin) = PortsConfig();
        config.Route("slow", "/slow", "app").Cluster("app", upstream.Url);
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);
        await proxy.WaitReadyAsync(admin);
        using var client = TestClients.Https(https);
        using var probe = TestClients.Plain(admin);
        var inFlight = client.GetAsync("/slow");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        proxy.Signal(SigTerm);
        var answers = new List<string>();
        var drainSeen = DateTime.UtcNow;
        for (var until = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < until && answers.Count(a => a == "503 draining") < 20; await Task.Delay(25))
        {
            answers.Add(await ReadyzAsync(probe));
        }

        var metrics = await probe.GetAsync("/metrics"); // a scrape during the drain
        var afterScrape = await ReadyzAsync(probe);
        release.SetResult();
        using var response = await inFlight.WaitAsync(TimeSpan.FromSeconds(15));

        answers.SkipWhile(a => a == "200 ready").Should().NotBeEmpty().And.AllBe("503 draining",
            "from the first 503 until the in-flight request finished, readiness answers (never refused, never 200 again): " + string.Join(", ", answers));
        answers.TakeWhile(a => a == "200 ready").Count().Should().BeLessThan(40, "the signal turns readiness 503 within a second");
        afterScrape.Should().Be("503 draining");
        metrics.StatusCode.Should().Be(HttpStatusCode.OK);
        (await metrics.Content.ReadAsStringAsync()).Should().Contain("edgeproxy_");
        (await response.Content.ReadAsStringAsync()).Should().Be("drained");
        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(20))).Should().Be(0, proxy.Output);
        await Eventually.RefusedAsync(admin, "the admin listener closes with the process");
        output.WriteLine($"{answers.Count} answers in {DateTime.UtcNow - drainSeen}: {string.Join(", ", answers)}");
    }

    private static async Task<string> ReadyzAsync(HttpClient admin)
    {
        try
        {
            using var response = await admin.GetAsync("/readyz");
            return $"{(int)response.StatusCode} {(await response.Content.ReadAsStringAsync()).Trim()}";
        }
        catch (HttpRequestException ex)
        {
            return "refused: " + ex.Message;
        }
    }

    [Fact]
    public async Task ReferenceLoggingSection_WritesCompactJsonAccessLog_ThroughTheQueue_FlushedBeforeExit()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var (config, https, _, admin) = PortsConfig();
        var reference = System.Text.Json.Nodes.JsonNode.Parse(
            File.ReadAllText(Repo.Path("config", "appsettings.reference.json")),
            documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
        config.Set("Serilog", reference["Serilog"]!.DeepClone()).Set("EdgeProxy:Console:Format", reference["EdgeProxy"]!["Console"]!["Format"]!.GetValue<string>())
            .Route("r", "{**any}", "app").Cluster("app", upstream.Url);
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);
        await proxy.WaitReadyAsync(admin);
        using var client = TestClients.Https(https);
        var path = $"/last-request-{Guid.NewGuid():N}";
        (await client.GetAsync(path)).StatusCode.Should().Be(HttpStatusCode.OK);

        proxy.Signal(SigTerm); // at once: the event may still be in the queue, and must be written before the process ends
        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(20))).Should().Be(0, proxy.Output);

        var line = proxy.Output.Split('\n').Single(l => l.Contains(path, StringComparison.Ordinal));
        var json = System.Text.Json.Nodes.JsonNode.Parse(line)!;
        json["SourceContext"]!.GetValue<string>().Should().Be("EdgeProxy.AccessLog");
        json["StatusCode"]!.GetValue<int>().Should().Be(200);
        json["@tr"]!.GetValue<string>().Should().MatchRegex("^[0-9a-f]{32}$").And.Be(json["TraceId"]!.GetValue<string>());
        json["@mt"]!.GetValue<string>().Should().StartWith("{ClientIp} \"{Method} {Scheme}://{Host}{Path} {Protocol}\"");
    }

    [Fact]
    public async Task DefaultConsole_Redirected_WritesEveryAccessLine_InBatches_FlushedBeforeExit()
    {
        // stdout is a pipe here, as in a container: the built-in console goes through the batched sink.
        await using var upstream = await TestUpstream.StartEchoAsync();
        var (config, https, _, admin) = PortsConfig();
        config.Route("r", "{**any}", "app").Cluster("app", upstream.Url);
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);
        await proxy.WaitReadyAsync(admin);
        using var client = TestClients.Https(https);
        var run = Guid.NewGuid().ToString("N");
        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            (await client.GetAsync($"/burst-{run}/{i}", ct)).StatusCode.Should().Be(HttpStatusCode.OK));

        proxy.Signal(SigTerm); // at once: the last batch may still be queued, and must be written before the process ends
        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(20))).Should().Be(0, proxy.Output);

        var lines = proxy.Output.Split('\n').Where(l => l.Contains($"/burst-{run}/", StringComparison.Ordinal)).ToList();
        lines.Should().HaveCount(400, "every request's line, none lost or split:\n" + proxy.Output);
        lines.Should().AllSatisfy(l => l.Should().MatchRegex($@"^\[\d\d:\d\d:\d\d INF\] EdgeProxy\.AccessLog: 127\.0\.0\.1 ""GET https://localhost:{https}/burst-{run}/\d+ HTTP/1\.1"" 200 \d+B [\d.]+ms route=r cluster=app "));
        lines.Select(l => l[(l.IndexOf($"/burst-{run}/", StringComparison.Ordinal) + run.Length + 8)..].Split(' ')[0]).Distinct().Should().HaveCount(400);
        proxy.Output.Should().Contain("Microsoft.Hosting.Lifetime: Application is shutting down");
    }

    [Fact]
    public async Task EnvironmentVariables_OverrideTheFile_AndEdgeProxyConfigSelectsIt()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var (config, https, _, admin) = PortsConfig();
        config.Route("r", "{**any}", "app").Cluster("app", "http://127.0.0.1:1/"); // the env var fixes this address
        var path = config.Write("custom.json");
        var env = new Dictionary<string, string?>
        {
            ["EDGEPROXY_CONFIG"] = path,
            ["ReverseProxy__Clusters__app__Destinations__d0__Address"] = upstream.Url,
        };
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, [], env);
        await proxy.WaitReadyAsync(admin);
        using var client = TestClients.Https(https);

        (await client.GetStringAsync("/via-env")).Should().Be("upstream:/via-env");
    }

    [Fact]
    public async Task CheckCommand_AsAProcess_ExitsOneAndPrintsFindings_WithoutBindingPorts()
    {
        var (config, https, _, _) = PortsConfig();
        config.Route("r", "{**any}", "missing");
        using var occupied = new TcpListener(IPAddress.Loopback, https);
        occupied.Start(); // check must not try to bind: this port being taken changes nothing

        var result = await EdgeProxyProcess.RunAsync(["check", "--config", config.Write()], TimeSpan.FromSeconds(60), workingDirectory: _dir.Path);

        result.ExitCode.Should().Be(1, result.All);
        result.StdOut.Should().Contain("FAIL ReverseProxy:Routes:r:ClusterId: cluster 'missing' is not defined under ReverseProxy:Clusters");
        result.StdErr.Should().Contain("configuration INVALID");
    }

    [Fact]
    public async Task InvalidConfigAtStart_ExitsOne_ListingProblems()
    {
        var (config, _, _, _) = PortsConfig();
        config.Set("Kestrel:Endpoints:Https:Certificate:Path", "/nonexistent.pem").Route("r", "{**any}", "missing");
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);

        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(1);
        proxy.Output.Should().Contain("FAIL Kestrel:Endpoints:Https:Certificate:Path: file '/nonexistent.pem' not found")
            .And.Contain("FAIL ReverseProxy:Routes:r:ClusterId:");
    }

    [Fact]
    public async Task PortAlreadyInUse_ExitsOne_WithAClearMessage()
    {
        var (config, https, _, _) = PortsConfig();
        using var occupied = new TcpListener(IPAddress.Loopback, https);
        occupied.Start();
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);

        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(1);
        proxy.Output.Should().Contain($"FAIL Kestrel:Endpoints:Https:Url: https://127.0.0.1:{https}: port {https} is in use by another process")
            .And.NotContain("   at ", "one line, no stack trace");
    }


    [Fact]
    public async Task CompactJsonLogging_IsOneSettingAway()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var (config, https, _, admin) = PortsConfig();
        config.Route("r", "{**any}", "app").Cluster("app", upstream.Url)
            .Set("Serilog:WriteTo", new[] { new { Name = "Console", Args = new { formatter = "Serilog.Formatting.Compact.CompactJsonFormatter, Serilog.Formatting.Compact" } } });
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);
        await proxy.WaitReadyAsync(admin);
        using var client = TestClients.Https(https);
        await client.GetStringAsync("/json-log");

        var deadline = DateTime.UtcNow.AddSeconds(10);
        string? accessLine = null;
        while (accessLine is null && DateTime.UtcNow < deadline)
        {
            accessLine = proxy.Output.Split('\n').FirstOrDefault(l => l.Contains("\"RouteId\":\"r\""));
            await Task.Delay(100);
        }

        accessLine.Should().NotBeNull(proxy.Output);
        using var json = System.Text.Json.JsonDocument.Parse(accessLine!);
        json.RootElement.GetProperty("Path").GetString().Should().Be("/json-log");
        json.RootElement.GetProperty("StatusCode").GetInt32().Should().Be(200);
        json.RootElement.TryGetProperty("@t", out _).Should().BeTrue();
    }
}
