using EdgeProxy.Admin;
using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Admin;

/// <summary><c>EdgeProxy health</c>: the container HEALTHCHECK, asked of real listeners.</summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed class HealthCommandTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ReadyProxy_ExitsZero()
    {
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path), output);

        var (exit, text) = await HealthAsync(proxy.ConfigPath, $"EdgeProxy:Admin:Urls=http://127.0.0.1:{proxy.AdminPort}");

        exit.Should().Be(0, text);
        text.Should().StartWith("healthy: ").And.Contain("/readyz 200 ready");
    }

    [Fact]
    public async Task NotReady_ExitsOne()
    {
        // A draining or starting proxy answers 503; an upstream stands in so the state is held, not raced.
        await using var admin = await TestUpstream.StartAsync(app => app.MapGet("/readyz", (HttpContext c) => Results.Text("draining", statusCode: 503)));
        var config = new TestConfig(_dir.Path).Set("EdgeProxy:Admin:Urls", admin.Url.TrimEnd('/')).Write();

        var (exit, text) = await HealthAsync(config);

        exit.Should().Be(1, text);
        text.Should().StartWith("unhealthy: ").And.Contain("503 draining");
    }

    [Fact]
    public async Task NothingListening_ExitsOneWithinTheTimeout()
    {
        var config = new TestConfig(_dir.Path).Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{TestClients.FreePort()}").Write();

        var started = DateTime.UtcNow;
        var (exit, text) = await HealthAsync(config);

        exit.Should().Be(1, text);
        text.Should().StartWith("unhealthy: ");
        (DateTime.UtcNow - started).Should().BeLessThan(HealthCommand.DefaultTimeout + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AdminDisabled_ExitsOneAndSaysWhy()
    {
        var config = new TestConfig(_dir.Path).Set("EdgeProxy:Admin:Urls", "").Write();

        var (exit, text) = await HealthAsync(config);

        exit.Should().Be(1);
        text.Should().Contain("EdgeProxy:Admin:Urls is empty");
    }

    [Theory]
    [InlineData("http://*:9901", "http://127.0.0.1:9901/readyz")]
    [InlineData("http://+:9901", "http://127.0.0.1:9901/readyz")]
    [InlineData("http://0.0.0.0:9901", "http://127.0.0.1:9901/readyz")]
    [InlineData("http://[::]:9901", "http://[::1]:9901/readyz")]
    [InlineData("http://localhost:9901", "http://127.0.0.1:9901/readyz")]
    [InlineData("http://10.1.2.3:9901", "http://10.1.2.3:9901/readyz")]
    public void WildcardBinds_AreAskedOnLoopback(string bind, string expected) =>
        HealthCommand.ReadyzUrl(BindingAddress.Parse(bind)).Should().Be(new Uri(expected));

    [Fact]
    public async Task AsAProcess_ExitCodeIsTheAnswer()
    {
        var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path), output);
        var env = new Dictionary<string, string?> { ["EdgeProxy__Admin__Urls"] = $"http://127.0.0.1:{proxy.AdminPort}" };
        ExternalTool.Result ready;
        try
        {
            ready = await EdgeProxyProcess.RunAsync(["health", "--config", proxy.ConfigPath], TimeSpan.FromSeconds(60), env: env);
        }
        finally
        {
            await proxy.DisposeAsync();
        }

        var gone = await EdgeProxyProcess.RunAsync(["health", "--config", proxy.ConfigPath], TimeSpan.FromSeconds(60), env: env);

        ready.ExitCode.Should().Be(0, ready.All);
        gone.ExitCode.Should().Be(1, gone.All);
    }

    private static async Task<(int Exit, string Text)> HealthAsync(string configPath, params string[] args)
    {
        using var text = new StringWriter();
        var exit = await HealthCommand.RunAsync(new CommandLine("health", configPath, args), Path.GetDirectoryName(configPath)!, text);
        return (exit, text.ToString());
    }
}
