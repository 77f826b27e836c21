using System.Net;
using System.Net.Sockets;
using EdgeProxy.Observability;
using EdgeProxy.Tests.Infrastructure;
using Serilog.Events;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ErrorPages;

public sealed class UpstreamErrorPageTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static int ClosedPort() => TestClients.FreePort(); // nothing listens there: connections are refused

    /// <summary>The page itself is under test here: answered at once, without waiting for the upstream or trying again (Retries/ tests those).</summary>
    private TestConfig Config() => new TestConfig(_dir.Path).Set("EdgeProxy:Retries:TryDuration", "0").Set("EdgeProxy:Retries:MaxRetries", 0);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RefusedUpstream_Gives502_NamingRouteAndKind_NotTheAddress(bool http2)
    {
        var address = $"http://127.0.0.1:{ClosedPort()}/";
        await using var proxy = await ProxyInstance.StartAsync(Config().Route("orders", "{**any}", "c").Cluster("c", address), output);
        using var client = proxy.CreateClient(http2: http2);

        using var response = await client.GetAsync("/x");

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        var body = await response.Content.ReadAsStringAsync();
        body.Should().Be("502 Bad Gateway: route 'orders': connection refused\n");
        body.Should().NotContain("127.0.0.1");
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        var logged = await proxy.Logs.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("Upstream failure") && e.Level == LogEventLevel.Warning);
        logged.RenderMessage().Should().Contain(address);
        logged.Exception.Should().BeNull("the warning is one line; the stack trace is Debug's");
        var detail = await proxy.Logs.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("Upstream failure") && e.Level == LogEventLevel.Debug);
        detail.Exception.Should().NotBeNull("the full reason goes to the log at Debug");
        proxy.Logs.Events.Where(e => Source(e) == SerilogSetup.ForwarderLog).Should().BeEmpty("YARP's own line would repeat it, stack trace and all");
        proxy.Logs.Events.Count(e => e.Level >= LogEventLevel.Warning).Should().Be(1, "one failure, one warning:\n" + proxy.Logs.AllText);
    }

    [Fact]
    public async Task YarpsForwarderLog_ComesBack_WhenTheSerilogSectionNamesIt()
    {
        var address = $"http://127.0.0.1:{ClosedPort()}/";
        await using var proxy = await ProxyInstance.StartAsync(Config().Route("orders", "{**any}", "c").Cluster("c", address), output,
            $"Serilog:MinimumLevel:Override:{SerilogSetup.ForwarderLog}=Warning");
        using var client = proxy.CreateClient();

        (await client.GetAsync("/x")).StatusCode.Should().Be(HttpStatusCode.BadGateway);

        await proxy.Logs.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("Upstream failure"));
        proxy.Logs.Events.Should().Contain(e => Source(e) == SerilogSetup.ForwarderLog && e.Level == LogEventLevel.Warning);
    }

    [Theory]
    [InlineData("Default=Information;Yarp=Warning", false)] // the built-in defaults
    [InlineData("Default=Information;Yarp=Information", true)]
    [InlineData("Default=Information;Yarp.ReverseProxy=Debug", true)]
    [InlineData("Default=Information;Yarp=Warning;Yarp.ReverseProxy.Forwarder.HttpForwarder=Warning", true)]
    [InlineData("Default=Debug;Yarp=Warning", false)] // the nearest override wins, as in Serilog
    [InlineData("Default=Debug", true)]
    [InlineData("", false)]
    public void YarpsForwarderLog_IsHeldAtError_UnlessAskedFor(string levels, bool asked)
    {
        var values = levels.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(pair => pair.Split('=')).ToDictionary(
            pair => pair[0] == "Default" ? "Serilog:MinimumLevel:Default" : "Serilog:MinimumLevel:Override:" + pair[0], pair => (string?)pair[1]);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        SerilogSetup.AsksFor(configuration, SerilogSetup.ForwarderLog).Should().Be(asked);
    }

    private static string? Source(LogEvent e) => e.Properties.TryGetValue("SourceContext", out var value) && value is ScalarValue { Value: string name } ? name : null;

    [Fact]
    public async Task DetailedErrorPages_AddDestinationAndReason()
    {
        var address = $"http://127.0.0.1:{ClosedPort()}/";
        var config = Config().Route("orders", "{**any}", "c").Cluster("c", address).Set("EdgeProxy:ErrorPages:Detailed", true);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();

        var body = await (await client.GetAsync("/x")).Content.ReadAsStringAsync();

        body.Should().StartWith("502 Bad Gateway: route 'orders': connection refused\ndestination: " + address + "\nerror: Request:");
    }

    [Fact]
    public async Task SlowUpstream_Gives504()
    {
        var hold = new TaskCompletionSource();
        await using var upstream = await TestUpstream.StartAsync(app => app.MapGet("/slow", async () => await hold.Task.WaitAsync(TimeSpan.FromSeconds(20))));
        var config = Config().Route("reports", "{**any}", "c").Cluster("c", upstream.Url)
            .Set("ReverseProxy:Clusters:c:HttpRequest:ActivityTimeout", "00:00:01");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();

        using var response = await client.GetAsync("/slow");
        hold.TrySetResult();

        response.StatusCode.Should().Be(HttpStatusCode.GatewayTimeout);
        (await response.Content.ReadAsStringAsync()).Should().Be("504 Gateway Timeout: route 'reports': upstream timed out\n");
    }

    [Fact]
    public async Task ResetByUpstream_Gives502()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var resetter = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            await socket.ReceiveAsync(new byte[4096]);
            socket.LingerState = new LingerOption(true, 0); // RST instead of FIN
            socket.Close();
        });
        var config = Config().Route("api", "{**any}", "c").Cluster("c", $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();

        using var response = await client.GetAsync("/x");

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        (await response.Content.ReadAsStringAsync()).Should().MatchRegex("^502 Bad Gateway: route 'api': (connection reset|upstream closed the connection)\n$");
        await resetter;
    }

    [Fact]
    public async Task ClusterWithoutHealthyDestination_Gives503()
    {
        var config = Config().Route("empty", "{**any}", "c").Set("ReverseProxy:Clusters:c:LoadBalancingPolicy", "RoundRobin");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();

        using var response = await client.GetAsync("/x");

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await response.Content.ReadAsStringAsync()).Should().Be("503 Service Unavailable: route 'empty': no healthy destination\n");
    }

    [Fact]
    public async Task NoMatchingRoute_Gives404WithABody()
    {
        await using var proxy = await ProxyInstance.StartAsync(Config(), output);
        using var client = proxy.CreateClient();

        using var response = await client.GetAsync("/nothing/here");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).Should().StartWith("404 Not Found");
    }

    [Fact]
    public async Task AfterAnUpstreamFailure_TheProxyKeepsServing()
    {
        var closed = $"http://127.0.0.1:{ClosedPort()}/";
        await using var upstream = await TestUpstream.StartEchoAsync();
        var config = Config().Route("bad", "/bad/{**any}", "bad").Cluster("bad", closed).Route("good", "/good/{**any}", "good").Cluster("good", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient(http2: true);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.GetAsync(i % 2 == 0 ? "/bad/x" : "/good/x")));

        results.Count(r => r.StatusCode == HttpStatusCode.BadGateway).Should().Be(10);
        results.Count(r => r.StatusCode == HttpStatusCode.OK).Should().Be(10);
    }
}
