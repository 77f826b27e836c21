using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Admin;

public sealed class AdminEndpointsTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task HealthAndReadiness_AnswerOnTheAdminListener()
    {
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path), output);
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);

        (await admin.GetStringAsync("/healthz")).Should().Be("ok\n");
        (await admin.GetStringAsync("/readyz")).Should().Be("ready\n");
        (await admin.GetAsync("/anything")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AdminPaths_AreNeverServedByPublicListeners()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path).Route("all", "{**any}", "app").Cluster("app", upstream.Url), output);
        using var client = proxy.CreateClient();
        using var plain = proxy.CreatePlainClient(proxy.HttpPort);

        (await client.GetStringAsync("/healthz")).Should().Be("upstream:/healthz", "on the public listener it is just a proxied path");
        (await client.GetStringAsync("/readyz")).Should().Be("upstream:/readyz");
        (await plain.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.PermanentRedirect);
    }

    [Fact]
    public async Task AdminListener_NeverProxies()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path).Route("all", "{**any}", "app").Cluster("app", upstream.Url), output);
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);

        var response = await admin.GetAsync("/some/app/path");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).Should().NotContain("upstream:");
    }
}
