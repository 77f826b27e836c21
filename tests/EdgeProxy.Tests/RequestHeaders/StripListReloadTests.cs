using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.RequestHeaders;

/// <summary>The operator's strip list follows the file: a name added by a reload is removed from the next request on.</summary>
public sealed class StripListReloadTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private TestUpstream _upstream = null!;
    private ProxyInstance _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await HeaderEchoUpstream.StartAsync();
        var config = new TestConfig(_dir.Path)
            .Set("EdgeProxy:TrustedProxies:Networks", new[] { "127.0.0.2" })
            .Route("all", "{**any}", "app")
            .Cluster("app", _upstream.Url);
        _proxy = await ProxyInstance.StartAsync(config, output);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    [Fact]
    public async Task Reload_AddsStrippedAndAcceptedNames()
    {
        using var untrusted = SourceBoundClient.Create(IPAddress.Parse("127.0.0.9"), IPAddress.Loopback, _proxy.HttpsPort);
        using var trusted = SourceBoundClient.Create(IPAddress.Parse("127.0.0.2"), IPAddress.Loopback, _proxy.HttpsPort);
        (await ReceivedAsync(untrusted, "X-Late-User")).Should().Be("v", "not listed yet");
        (await ReceivedAsync(trusted, "X-Goog-Authenticated-User-Email")).Should().BeNull("built in: removed even from a trusted peer");

        _proxy.Config.Set("EdgeProxy:RequestHeaders:Strip", new[] { "X-Late-*" })
            .Set("EdgeProxy:RequestHeaders:AcceptFromTrustedProxies", new[] { "X-Goog-Authenticated-User-Email" });
        _proxy.WriteConfig();

        (await Eventually.EqualsAsync(() => ReceivedAsync(untrusted, "x_late_user"), null)).Should().BeNull("listed by the reload");
        (await Eventually.EqualsAsync(() => ReceivedAsync(trusted, "X-Goog-Authenticated-User-Email"), "v")).Should().Be("v", "accepted from the trusted peer");
        (await ReceivedAsync(untrusted, "X-Goog-Authenticated-User-Email")).Should().BeNull("still removed from everyone else");
    }

    private static async Task<string?> ReceivedAsync(HttpClient client, string header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/echo");
        request.Headers.TryAddWithoutValidation(header, "v");
        var echo = await HeaderEchoUpstream.ReadAsync(await client.SendAsync(request));
        return echo.Header(header);
    }
}
