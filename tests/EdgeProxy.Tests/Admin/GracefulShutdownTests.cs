using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Admin;

public sealed class GracefulShutdownTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Stop_ReadyzTurns503AtOnce_StopsAccepting_AndLetsInFlightRequestFinish()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await TestUpstream.StartAsync(app => app.MapGet("/slow", async context =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await context.Response.WriteAsync("finished");
        }));
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path).Route("slow", "/slow", "app").Cluster("app", upstream.Url), output);
        var readiness = proxy.Services.GetRequiredService<EdgeProxy.Admin.ReadinessState>();
        using var client = proxy.CreateClient();
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);
        var inFlight = client.GetAsync("/slow");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var stopping = proxy.StopAsync();

        readiness.IsReady.Should().BeFalse();
        readiness.Describe().Should().Be("draining");
        await Eventually.RefusedAsync(proxy.HttpsPort, "the listener still accepts connections while draining");
        inFlight.IsCompleted.Should().BeFalse();
        using (var ready = await admin.GetAsync("/readyz"))
        {
            ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "the admin listener outlives the public ones' drain");
            (await ready.Content.ReadAsStringAsync()).Should().StartWith("draining");
        }

        (await admin.GetAsync("/metrics")).StatusCode.Should().Be(HttpStatusCode.OK, "metrics stay scrapeable during the drain");
        release.SetResult();
        using var response = await inFlight.WaitAsync(TimeSpan.FromSeconds(10));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("finished");
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.RefusedAsync(proxy.AdminPort, "the admin listener stays open after the drain ended");
    }

}
