using EdgeProxy.Configuration;
using EdgeProxy.ForwardedHeaders;
using EdgeProxy.RequestHeaders;
using EdgeProxy.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Configuration;

/// <summary>The running proxy reads each section through one binding of its options type, the one <c>check</c> validates.</summary>
public sealed class OptionsBindingTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RunningProxy_BindsEverySectionOnce_ListsAreNotDoubled()
    {
        var config = new TestConfig(_dir.Path).Route("app", "/{**rest}", "app").Cluster("app", $"http://127.0.0.1:{TestClients.FreePort()}/")
            .Set("EdgeProxy:TrustedProxies:Networks", new[] { "10.0.0.0/8" })
            .Set("EdgeProxy:RequestHeaders:Strip", new[] { "X-MyCorp-User" });
        await using var proxy = await ProxyInstance.StartAsync(config, output);

        // The binder appends to a list it binds a second time: a second binding shows as a doubled entry.
        proxy.Services.GetRequiredService<IOptionsMonitor<TrustedProxiesOptions>>().CurrentValue.Networks.Should().Equal("10.0.0.0/8");
        proxy.Services.GetRequiredService<IOptionsMonitor<RequestHeaderOptions>>().CurrentValue.Strip.Should().Equal("X-MyCorp-User");
        foreach (var type in OptionsTable.All.Select(o => o.Type))
        {
            proxy.Services.GetServices(typeof(IConfigureOptions<>).MakeGenericType(type)).Should().HaveCount(1, $"{type.Name} is bound once, by the model");
        }
    }
}
