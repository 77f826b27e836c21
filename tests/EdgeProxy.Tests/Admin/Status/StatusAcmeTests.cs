using System.Text.Json.Nodes;
using EdgeProxy.Tests.Acme;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Admin.Status;

/// <summary>
/// ACME hosts on the status page, with a CA that cannot be reached: the failing host's last problem and next
/// attempt, the name left to a file certificate, and the self-signed fallback among the certificates. A proxy of its
/// own, outside <see cref="StatusFixture"/>'s collection (see <see cref="StatusReloadTests"/>).
/// </summary>
public sealed class StatusAcmeTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AcmeHosts_ShowStateNextAttemptAndLastProblem_AndTheSelfSignedFallback()
    {
        var closed = TestClients.FreePort();
        await using var proxy = await UnreachableCa.StartProxyAsync(_dir, closed, output);
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);

        var status = JsonNode.Parse(await admin.GetStringAsync("/status.json"))!;
        output.WriteLine(status["acme"]!.ToJsonString());

        var api = StatusJsonTests.Item(status["acme"]!, "host", "api.edgeproxy.test");
        api["state"]!.GetValue<string>().Should().Be("failing");
        api["certificate"]!.GetValue<string>().Should().Be("self-signed fallback");
        api["failures"]!.GetValue<int>().Should().Be(1);
        api["lastProblem"]!.GetValue<string>().Should().StartWith("HttpRequestException: ").And.Contain($"127.0.0.1:{closed}");
        api["nextAttempt"]!.GetValue<DateTimeOffset>().Should().BeCloseTo(DateTimeOffset.UtcNow.AddMinutes(1), TimeSpan.FromSeconds(30), "the first retry is a minute later");
        var files = StatusJsonTests.Item(status["acme"]!, "host", "files.edgeproxy.test");
        files["state"]!.GetValue<string>().Should().Be("file certificate");
        files["certificate"]!.GetValue<string>().Should().Be("Kestrel:Endpoints:Https:Sni:files.edgeproxy.test:Certificate");

        var selfSigned = StatusJsonTests.Item(status["certificates"]!, "key", "EdgeProxy:Certificates:SelfSigned");
        selfSigned["source"]!.GetValue<string>().Should().Be("self-signed");
        selfSigned["subject"]!.GetValue<string>().Should().Contain("EdgeProxy self-signed");

        var page = await admin.GetStringAsync("/");
        page.Should().Contain("<td>api.edgeproxy.test</td><td>failing</td><td>self-signed fallback</td>");
    }
}
