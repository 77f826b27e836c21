using System.Text.Json.Nodes;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Admin.Status;

/// <summary>
/// The config file's last reload on the status page. A proxy of its own, outside <see cref="StatusFixture"/>'s
/// collection: disposing a second proxy in that process would end the fixture's metric streams (OpenTelemetry
/// subscribes to meters by name, process-wide).
/// </summary>
public sealed class StatusReloadTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RefusedReload_ShowsWhy_ThenAnAcceptedOneReplacesIt()
    {
        var pki = TestPki.Instance;
        const string good = "good-Passw0rd-s3cret";
        const string wrong = "wrong-Passw0rd-s3cret";
        var pfx = pki.WritePfx(pki.IssueServer("localhost", ["localhost"]), _dir.Combine("certs"), "site", good);
        var config = new TestConfig(_dir.Path)
            .Remove("Kestrel:Endpoints:Https:Certificate:KeyPath")
            .Set("Kestrel:Endpoints:Https:Certificate:Path", pfx)
            .Set("Kestrel:Endpoints:Https:Certificate:Password", good)
            .Route("app", "/{**rest}", "app").Cluster("app", "http://127.0.0.1:1");
        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);
        (JsonNode.Parse(await admin.GetStringAsync("/status.json"))!["lastReload"]).Should().BeNull("nothing was reloaded yet");

        config.Set("ReverseProxy:Routes:app:Metadata", new Dictionary<string, string> { ["EdgeProxy.AllowFrom"] = "not-a-network" })
            .Set("Kestrel:Endpoints:Https:Certificate:Password", wrong);
        proxy.WriteConfig();
        var reload = await Eventually.EqualsAsync(async () => JsonNode.Parse(await admin.GetStringAsync("/status.json"))!["lastReload"]?["accepted"]?.GetValue<bool>(), false);
        var refused = JsonNode.Parse(await admin.GetStringAsync("/status.json"))!["lastReload"]!;
        var problems = refused["problems"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        output.WriteLine(string.Join('\n', problems));
        problems.Should().Contain(p => p.StartsWith("ReverseProxy:Routes:app:Metadata:EdgeProxy.AllowFrom: ", StringComparison.Ordinal) && p.Contains("not-a-network"));
        problems.Should().Contain(p => p.StartsWith("Kestrel:Endpoints:Https:Certificate:Password: ", StringComparison.Ordinal), "the wrong password is named by its key, never by its value");
        var page = await admin.GetStringAsync("/");
        page.Should().Contain("refused").And.Contain("ReverseProxy:Routes:app:Metadata:EdgeProxy.AllowFrom");
        foreach (var secret in new[] { good, wrong })
        {
            page.Should().NotContain(secret);
            refused.ToJsonString().Should().NotContain(secret);
        }

        config.Remove("ReverseProxy:Routes:app:Metadata").Set("Kestrel:Endpoints:Https:Certificate:Password", good);
        proxy.WriteConfig();
        await Eventually.EqualsAsync(async () => JsonNode.Parse(await admin.GetStringAsync("/status.json"))!["lastReload"]?["accepted"]?.GetValue<bool>(), true);
        reload.Should().BeFalse();
    }
}
