using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Tls;

/// <summary>The <c>Kestrel</c> keys Kestrel reads itself (<c>AddServerHeader</c>, <c>Limits</c>) reach the running server.</summary>
public sealed class KestrelServerOptionsTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ServerHeaderAndLimits_ReachKestrel()
    {
        // An upstream that sends no Server header of its own (YARP would forward it).
        await using var upstream = await TestUpstream.StartAsync(
            app => app.MapGet("/{**rest}", () => "ok"),
            services => services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.AddServerHeader = false));
        var config = new TestConfig(_dir.Path).Route("app", "/{**rest}", "app").Cluster("app", upstream.Url);
        await using (var proxy = await ProxyInstance.StartAsync(config, output))
        {
            using var client = proxy.CreateClient();
            var response = await client.GetAsync("/");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Headers.Server.Should().BeEmpty("EdgeProxy's default is AddServerHeader=false");
        }

        config.Set("Kestrel:AddServerHeader", true).Set("Kestrel:Limits:MaxRequestHeaderCount", 8);
        await using (var proxy = await ProxyInstance.StartAsync(config, output))
        {
            using var client = proxy.CreateClient();
            var response = await client.GetAsync("/");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Headers.Server.ToString().Should().Be("Kestrel");

            using var many = new HttpRequestMessage(HttpMethod.Get, "/");
            for (var i = 0; i < 12; i++)
            {
                many.Headers.Add($"X-Extra-{i}", "v");
            }

            (await client.SendAsync(many)).StatusCode.Should().Be(HttpStatusCode.RequestHeaderFieldsTooLarge);
        }
    }
}
