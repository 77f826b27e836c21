using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Hosting;

/// <summary>
/// The runtime settings EdgeProxy brings itself, so <c>dotnet EdgeProxy.dll</c> and the container are one
/// configuration, each overridden by the environment. Socket completions run on the runtime's I/O threads, observed in
/// the runtime itself: with inline completions its socket engine runs one ".NET Sockets" thread per core, otherwise
/// one (below 30 cores); two cores are given to every child so the two cases differ on any machine. Idle thread-pool
/// workers spin at most 16 rounds (the project's runtimeconfig setting), as the start-up log reports it.
/// </summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed class RuntimeSettingsProcessTests : IAsyncLifetime, IDisposable
{
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private const string SpinVariable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";
    private readonly TempDirectory _dir = new();
    private readonly List<IAsyncDisposable> _upstreams = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var upstream in _upstreams)
        {
            await upstream.DisposeAsync();
        }
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Unset_RunsThemInline_AndSaysSo()
    {
        var (proxy, https) = await StartAsync("unset", value: null);
        await using var _ = proxy;

        await ProxiesAsync(https);
        SocketEngineThreads(proxy.Id).Should().Be(2, "inline completions: one I/O thread per core\n" + proxy.Output);
        proxy.Output.Should().Contain($"Socket completions run on the I/O threads ({Variable}=1, EdgeProxy's default");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("false")]
    public async Task AnExplicitValueOtherThan1_KeepsThemOnTheThreadPool_AndSaysSo(string value)
    {
        var (proxy, https) = await StartAsync("off-" + value, value);
        await using var _ = proxy;

        await ProxiesAsync(https);
        SocketEngineThreads(proxy.Id).Should().Be(1, "the operator's value wins\n" + proxy.Output);
        proxy.Output.Should().Contain($"Socket completions are queued to the thread pool ({Variable}={value})");
    }

    [Fact]
    public async Task An_Explicit1_IsKept()
    {
        var (proxy, https) = await StartAsync("on", "1");
        await using var _ = proxy;

        await ProxiesAsync(https);
        SocketEngineThreads(proxy.Id).Should().Be(2, proxy.Output);
    }

    [Fact]
    public async Task Unset_WorkersSpinAtMost16Rounds_FromTheRuntimeConfig()
    {
        // The file the runtime reads for `dotnet EdgeProxy.dll`, as the build writes it.
        var runtimeConfig = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "EdgeProxy.runtimeconfig.json")))!;
        runtimeConfig["runtimeOptions"]!["configProperties"]!["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"]!.GetValue<int>().Should().Be(16);

        var (proxy, https) = await StartWithAsync("spin-unset", new Dictionary<string, string?> { [SpinVariable] = null });
        await using var _ = proxy;

        await ProxiesAsync(https);
        proxy.Output.Should().Contain("Idle thread-pool workers spin at most 16 rounds before they sleep (EdgeProxy's default 16;");
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("a", 10)] // hexadecimal, as the runtime reads every DOTNET_ number
    [InlineData("0x46", 70)]
    public async Task TheVariable_OverridesTheSpinLimit_AndTheLogSaysSo(string value, int rounds)
    {
        var (proxy, https) = await StartWithAsync("spin-" + value, new Dictionary<string, string?> { [SpinVariable] = value });
        await using var _ = proxy;

        await ProxiesAsync(https);
        proxy.Output.Should().Contain($"Idle thread-pool workers spin at most {rounds} rounds before they sleep");
    }

    private static int SocketEngineThreads(int pid) =>
        Directory.GetDirectories($"/proc/{pid}/task").Count(task => File.ReadAllText(Path.Combine(task, "comm")).Trim() == ".NET Sockets");

    /// <summary>Requests over both HTTP versions, through the proxy's client and upstream sockets alike.</summary>
    private static async Task ProxiesAsync(int https)
    {
        foreach (var http2 in new[] { false, true })
        {
            using var client = TestClients.Https(https, http2: http2);
            await Parallel.ForEachAsync(Enumerable.Range(0, 40), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            {
                using var response = await client.GetAsync($"/c/{i}", ct);
                response.EnsureSuccessStatusCode();
                (await response.Content.ReadAsStringAsync(ct)).Should().Contain($"/c/{i}");
            });
        }
    }

    private Task<(EdgeProxyProcess Proxy, int Https)> StartAsync(string name, string? value) => StartWithAsync(name, new Dictionary<string, string?> { [Variable] = value });

    private async Task<(EdgeProxyProcess Proxy, int Https)> StartWithAsync(string name, Dictionary<string, string?> environment)
    {
        var upstream = await TestUpstream.StartEchoAsync();
        _upstreams.Add(upstream);
        var (https, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var dir = Path.Combine(_dir.Path, name);
        Directory.CreateDirectory(dir);
        var config = new TestConfig(dir)
            .ProcessListeners(https, admin)
            .Route("app", "{**any}", "app").Cluster("app", upstream.Url);
        environment["DOTNET_PROCESSOR_COUNT"] = "2";
        var proxy = EdgeProxyProcess.Start(dir, ["--config", config.Write()], environment);
        await proxy.WaitReadyAsync(admin);
        return (proxy, https);
    }
}
