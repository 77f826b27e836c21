using System.Diagnostics;
using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Serilog.Events;
using Xunit.Abstractions;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Tests.Configuration;

public sealed class ConfigReloadTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task NewRoute_IsServedWithoutRestart_WhileInFlightRequestOnOtherRouteCompletes()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await TestUpstream.StartAsync(app =>
        {
            app.MapGet("/slow", async context =>
            {
                started.TrySetResult();
                await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
                await context.Response.WriteAsync("slow done");
            });
            app.MapFallback(context => context.Response.WriteAsync("upstream:" + context.Request.Path));
        });
        var config = new TestConfig(_dir.Path).Route("slow", "/slow", "app").Cluster("app", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();
        (await client.GetAsync("/new")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var inFlight = client.GetStringAsync("/slow");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        config.Route("new", "/new", "app");
        proxy.WriteConfig();

        var status = await Eventually.EqualsAsync(async () => (await client.GetAsync("/new")).StatusCode, HttpStatusCode.OK);
        status.Should().Be(HttpStatusCode.OK);
        inFlight.IsCompleted.Should().BeFalse("the slow request is still held by the upstream");
        release.SetResult();
        (await inFlight.WaitAsync(TimeSpan.FromSeconds(10))).Should().Be("slow done");
    }

    [Fact]
    public async Task InvalidReload_KeepsServingLastGoodConfig_AndLogsEveryProblem()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var config = new TestConfig(_dir.Path).Route("a", "/a/{**rest}", "app").Cluster("app", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();

        config.Route("b", "/b/{**rest}", "missing-cluster");
        config.Set("ReverseProxy:Clusters:app:Destinations:d1:Address", "nonsense");
        proxy.WriteConfig();

        var rejected = await proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("ReverseProxy:Routes:b:ClusterId"));
        rejected.RenderMessage().Should().Contain("rejected");
        await proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("ReverseProxy:Clusters:app:Destinations:d1:Address"));
        (await client.GetStringAsync("/a/x")).Should().Be("upstream:/a/x");
        (await client.GetAsync("/b/x")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        // Fixing the file applies it.
        config.Remove("ReverseProxy:Clusters:app:Destinations:d1");
        config.Set("ReverseProxy:Routes:b:ClusterId", "app");
        proxy.WriteConfig();
        (await Eventually.EqualsAsync(async () => (await client.GetAsync("/b/x")).StatusCode, HttpStatusCode.OK)).Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task MalformedJsonReload_KeepsServingLastGoodConfig()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var config = new TestConfig(_dir.Path).Route("a", "{**rest}", "app").Cluster("app", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();

        await File.WriteAllTextAsync(proxy.ConfigPath, "{ \"ReverseProxy\": { \"Routes\": ");

        var rejected = await proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("is not valid JSON"));
        rejected.RenderMessage().Should().Contain("--config");
        (await client.GetStringAsync("/still")).Should().Be("upstream:/still");
    }

    [Fact]
    public async Task KubernetesConfigMapUpdate_ReachesTheRunningProxy_EvenWhenTheFileKeepsItsSize()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var config = new TestConfig(_dir.Path).Route("a", "/aaa/{**rest}", "app").Cluster("app", upstream.Url);
        var volume = new KubeletVolume(_dir.Combine("configmap"));
        volume.Publish(folder => File.Copy(config.Write(), Path.Combine(folder, "appsettings.json")));
        await using var proxy = await ProxyInstance.StartAtAsync(volume.File("appsettings.json"), config, output);
        using var client = proxy.CreateClient();
        (await client.GetStringAsync("/aaa/x")).Should().Be("upstream:/aaa/x");

        // What `kubectl apply -k` of an edited ConfigMap becomes on the node: a new ..data folder, same file name.
        config.Remove("ReverseProxy:Routes:a").Route("b", "/bbb/{**rest}", "app");
        var edited = config.Write("edited.json");
        new FileInfo(edited).Length.Should().Be(new FileInfo(Path.Combine(volume.Path, "..data", "appsettings.json")).Length, "only the content differs");
        volume.Publish(folder => File.Copy(edited, Path.Combine(folder, "appsettings.json")));

        (await Eventually.EqualsAsync(async () => (await client.GetAsync("/bbb/x")).StatusCode, HttpStatusCode.OK)).Should().Be(HttpStatusCode.OK);
        (await client.GetAsync("/aaa/x")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        await proxy.Logs.WaitForAsync(e => e.RenderMessage().StartsWith("Configuration reloaded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReloadWithAMisspeltKey_IsRefused_AndTheAllowListStaysInForce()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var config = new TestConfig(_dir.Path).Route("a", "{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.AllowFrom"] = "10.9.9.9" }).Cluster("app", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();
        (await client.GetAsync("/x")).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        // The misspelling would have dropped the allow-list: the reload is refused as a whole instead.
        config.Set("ReverseProxy:Routes:a:Metadata", new Dictionary<string, string> { ["EdgeProxy.AlowFrom"] = "10.9.9.9" });
        proxy.WriteConfig();

        var rejected = await proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("ReverseProxy:Routes:a:Metadata:EdgeProxy.AlowFrom"));
        rejected.RenderMessage().Should().Contain("rejected").And.Contain("did you mean ReverseProxy:Routes:a:Metadata:EdgeProxy.AllowFrom?");
        (await client.GetAsync("/x")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AStop_WaitsForTheReloadYarpIsStillApplying_AndNothingIsLoggedAsAnError()
    {
        // YARP applies a reload after the file's reload returned; a stop that disposed the container in between logged
        // "Failed to apply the new config" with an ObjectDisposedException's stack. Here the apply is held for 2 s.
        await using var upstream = await TestUpstream.StartEchoAsync();
        var config = new TestConfig(_dir.Path).Route("a", "/a/{**rest}", "app").Cluster("app", upstream.Url);
        var apply = new HeldApply("added", Task.Delay(TimeSpan.FromSeconds(2)));
        var proxy = await ProxyInstance.StartAsync(config, output, services => services.AddSingleton<IProxyConfigFilter>(apply));
        await using (proxy)
        {
            config.Route("added", "/added/{**rest}", "app");
            proxy.WriteConfig();
            await apply.Entered.WaitAsync(TimeSpan.FromSeconds(10));

            await proxy.StopAsync();
            apply.Left.IsCompleted.Should().BeTrue("the stop waits for the reload in progress to be applied");
        }

        proxy.Logs.Events.Where(e => e.Level >= LogEventLevel.Error).Select(e => e.RenderMessage() + " " + e.Exception).Should().BeEmpty();
    }

    [Fact]
    public async Task AnApplyThatNeverEnds_DoesNotHoldTheStopBeyondTheShutdownTimeout()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var config = new TestConfig(_dir.Path).Route("a", "/a/{**rest}", "app").Cluster("app", upstream.Url).Set("EdgeProxy:ShutdownTimeout", "1s");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var apply = new HeldApply("added", release.Task);
        try
        {
            await using var proxy = await ProxyInstance.StartAsync(config, output, services => services.AddSingleton<IProxyConfigFilter>(apply));
            config.Route("added", "/added/{**rest}", "app");
            proxy.WriteConfig();
            await apply.Entered.WaitAsync(TimeSpan.FromSeconds(10));

            var clock = Stopwatch.StartNew();
            await proxy.StopAsync();
            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(8), "the 1-s shutdown timeout ends the wait");
            apply.Left.IsCompleted.Should().BeFalse();
        }
        finally
        {
            release.TrySetResult();
        }
    }

    /// <summary>Holds YARP's apply of the configuration that has route <paramref name="routeId"/> until <paramref name="hold"/> ends.</summary>
    private sealed class HeldApply(string routeId, Task hold) : IProxyConfigFilter
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _left = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public Task Left => _left.Task;

        public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel) => ValueTask.FromResult(cluster);

        public async ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
        {
            if (route.RouteId == routeId)
            {
                _entered.TrySetResult();
                await hold;
                _left.TrySetResult();
            }

            return route;
        }
    }
}
