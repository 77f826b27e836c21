using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Retries;

/// <summary>EdgeProxy as a process in front of an app that stays down: waiting requests are bounded and its memory stays flat.</summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed class HeldMemoryTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AppThatStaysDown_RoundsOfRequests_WaitingIsBounded_AndMemoryStaysFlat()
    {
        var (https, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var config = new TestConfig(_dir.Path)
            .ProcessListeners(https, admin)
            .Set("EdgeProxy:Retries:TryDuration", "2s").Set("EdgeProxy:Retries:MaxHeld", 100)
            .Set("Serilog:MinimumLevel:Default", "Error") // the access log would measure the test's pipe, not the proxy
            .Route("app", "{**any}", "app").Cluster("app", $"http://127.0.0.1:{TestClients.FreePort()}/");
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);
        await proxy.WaitReadyAsync(admin);
        using var client = TestClients.Https(https);
        using var metrics = TestClients.Plain(admin);
        var rss = new List<long>();

        for (var round = 0; round < 6; round++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => client.GetAsync($"/round-{round}/{i}")));

            answers.Should().OnlyContain(a => a.StatusCode == HttpStatusCode.BadGateway || a.StatusCode == HttpStatusCode.ServiceUnavailable);
            var withoutRetryAfter = await Task.WhenAll(answers.Where(a => a.StatusCode == HttpStatusCode.ServiceUnavailable && a.Headers.RetryAfter is null)
                .Select(a => a.Content.ReadAsStringAsync()));
            withoutRetryAfter.Should().BeEmpty("every 503 says when to come back (round {0})", round);
            if (round > 0)
            {
                // The client's connections are open from round 0 on, so all 300 arrive well within the first 100's 2 s wait.
                answers.Count(a => a.StatusCode == HttpStatusCode.ServiceUnavailable).Should().BeGreaterThanOrEqualTo(200, "at most 100 wait; the rest are refused at once");
            }

            (await metrics.GetStringAsync("/metrics")).Should().Contain("edgeproxy_upstream_waiting{otel_scope_name=\"EdgeProxy\",cluster=\"app\"} 0", "nothing is left waiting");
            rss.Add(ResidentMemory.Bytes(proxy.Id));
        }

        output.WriteLine("RSS after each round (MB): " + string.Join(", ", rss.Select(r => r / (1024 * 1024))));
        (rss[^1] - rss[1]).Should().BeLessThan(40L * 1024 * 1024, "rounds of waiting requests leave nothing behind");
    }
}
