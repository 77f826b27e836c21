using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Retries;

/// <summary>
/// A request the upstream client cannot even send (a UTF-8 header value: Kestrel accepts it, HttpClient refuses to
/// write it) is the client's fault. It must get a 4xx and must not count against the destination: with passive
/// health checks on, a dozen such requests from anyone marked the destination unhealthy and, under
/// <c>HealthyAndUnknown</c>, every other client then waited for a destination for <c>ReactivationPeriod</c>.
/// </summary>
public sealed class ClientFaultHealthTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task NonAsciiHeaderValues_GetA4xx_AndLeaveTheDestinationHealthy()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var config = new TestConfig(_dir.Path).Route("all", "{**any}", "c").Cluster("c", upstream.Url)
            .Set("ReverseProxy:Clusters:c:HealthCheck:Passive:Enabled", true)
            .Set("ReverseProxy:Clusters:c:HealthCheck:Passive:ReactivationPeriod", "00:01:00")
            .Set("ReverseProxy:Clusters:c:HealthCheck:AvailableDestinationsPolicy", "HealthyAndUnknown")
            .Set("EdgeProxy:Retries:TryDuration", "2s");
        await using var proxy = await ProxyInstance.StartAsync(config, output);

        var statuses = new List<int>();
        for (var i = 0; i < 15; i++)
        {
            // "café" as UTF-8 bytes (RawHttp1 writes each char as one byte).
            statuses.Add((await RawHttp1.SendAsync(proxy.HttpsPort, RawHttp1.Get($"/attack/{i}", "X-Name: caf\u00C3\u00A9"), IPAddress.Parse("127.0.0.3"))).Status);
        }

        using var client = proxy.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(10);
        using var response = await client.GetAsync("/innocent");

        using var scope = new FluentAssertions.Execution.AssertionScope();
        response.StatusCode.Should().Be(HttpStatusCode.OK, "another client's requests must not have taken the destination out");
        statuses.Should().OnlyContain(s => s >= 400 && s < 500, "the header value is the client's problem, not the upstream's");
        upstream.For("/innocent").Should().ContainSingle();
    }
}
