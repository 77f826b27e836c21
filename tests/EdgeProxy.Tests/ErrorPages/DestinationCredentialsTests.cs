using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Serilog.Events;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ErrorPages;

/// <summary>
/// A destination address with a user name and password (<c>http://user:secret@app/</c>): the secret never reaches the
/// access log, the upstream-failure line or the detailed error page, which show scheme, host, port and path only.
/// </summary>
public sealed class DestinationCredentialsTests(ITestOutputHelper output) : IDisposable
{
    private const string Secret = "s3cret-Destination-Pass";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnAnsweredRequest_LogsTheDestinationWithoutItsUserInfo(bool http2)
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var port = new Uri(upstream.Url).Port;
        var config = new TestConfig(_dir.Path).Route("app", "{**any}", "app").Cluster("app", $"http://scraper:{Secret}@127.0.0.1:{port}/");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient(http2: http2);

        (await client.GetStringAsync("/x")).Should().Be("upstream:/x");

        var line = await proxy.Logs.WaitForAsync(e => e.Properties.ContainsKey("ResponseBytes") && e.Properties["Path"] is ScalarValue { Value: "/x" });
        line.Properties["Destination"].Should().BeOfType<ScalarValue>().Which.Value.Should().Be($"http://127.0.0.1:{port}/");
        proxy.Logs.AllText.Should().NotContain(Secret).And.NotContain("scraper:");
    }

    [Fact]
    public async Task AFailedRequest_NamesTheDestinationWithoutItsUserInfo_InTheLogAndTheDetailedPage()
    {
        var port = TestClients.FreePort(); // nothing listens: refused
        var config = new TestConfig(_dir.Path).Set("EdgeProxy:Retries:TryDuration", "0").Set("EdgeProxy:Retries:MaxRetries", 0)
            .Set("EdgeProxy:ErrorPages:Detailed", true)
            .Route("app", "{**any}", "app").Cluster("app", $"http://scraper:{Secret}@127.0.0.1:{port}/");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();

        using var response = await client.GetAsync("/x");

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        (await response.Content.ReadAsStringAsync()).Should().Contain($"destination: http://127.0.0.1:{port}/\n").And.NotContain(Secret);
        var warning = await proxy.Logs.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("Upstream failure", StringComparison.Ordinal) && e.Level == LogEventLevel.Warning);
        warning.RenderMessage().Should().Contain($"destination \"http://127.0.0.1:{port}/\"");
        proxy.Logs.AllText.Should().NotContain(Secret);
    }
}
