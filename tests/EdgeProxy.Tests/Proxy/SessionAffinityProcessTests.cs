using System.Net;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Proxy;

/// <summary>
/// YARP's session affinity through EdgeProxy as a process: the <c>Cookie</c> policy protects the destination with
/// ASP.NET Core data protection, whose keys EdgeProxy keeps under <c>EdgeProxy:DataPath</c>/keys. A client's cookie
/// keeps it on its destination, also after a restart from another folder (the key was persisted, and the application
/// name is EdgeProxy's, not its working directory); a proxy with no affinity never makes or
/// loads a key (the key ring and its XML stack load on the first affinity cookie, not at start).
/// </summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed class SessionAffinityProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task TheCookie_KeepsAClientOnItsDestination_AlsoAfterARestartFromAnotherFolder()
    {
        await using var a = await TestUpstream.StartAsync(app => app.MapFallback(context => context.Response.WriteAsync("a")));
        await using var b = await TestUpstream.StartAsync(app => app.MapFallback(context => context.Response.WriteAsync("b")));
        var data = Path.Combine(_dir.Path, "data");

        var (proxy, https) = await StartAsync(data, "first", "Cookie", a.Url, b.Url);
        string pinned;
        var cookies = new CookieContainer();
        await using (proxy)
        {
            // Without a cookie the round robin alternates: the cookie, not chance, is what pins a client below.
            var firstAnswers = new List<string>();
            for (var i = 0; i < 4; i++)
            {
                using var fresh = TestClients.Https(https);
                firstAnswers.Add(await fresh.GetStringAsync("/"));
            }

            firstAnswers.Distinct().Should().BeEquivalentTo(["a", "b"], "round robin without a cookie");

            using var client = TestClients.Https(https, cookies: cookies);
            using var first = await client.GetAsync("/");
            first.Headers.TryGetValues("Set-Cookie", out var setCookie).Should().BeTrue("the first answer sets the affinity cookie");
            setCookie!.Single().Should().StartWith("app-affinity=");
            pinned = await first.Content.ReadAsStringAsync();
            for (var i = 0; i < 6; i++)
            {
                (await client.GetStringAsync("/")).Should().Be(pinned, $"request {i + 2} carries the cookie");
            }

            Directory.GetFiles(Path.Combine(data, "keys"), "key-*.xml").Should().ContainSingle("the cookie's key is persisted under DataPath");
        }

        // Another working directory, as a new release unpacked elsewhere or a second replica sharing the key folder has:
        // data protection would otherwise tell the two apart by their content roots and refuse the first one's cookie.
        var (restarted, port) = await StartAsync(data, "second", "Cookie", a.Url, b.Url);
        await using (restarted)
        {
            using var client = TestClients.Https(port, cookies: cookies); // the cookie the first process issued (cookies ignore the port)
            using var again = await client.GetAsync("/");
            (await again.Content.ReadAsStringAsync()).Should().Be(pinned);
            again.Headers.Contains("Set-Cookie").Should().BeFalse("a cookie the restarted proxy could read is not replaced (an unreadable one would be, pinning the client anew):\n" + restarted.Output);
            for (var i = 0; i < 6; i++)
            {
                (await client.GetStringAsync("/")).Should().Be(pinned, "the restarted proxy reads the cookie with the persisted key:\n" + restarted.Output);
            }

            Directory.GetFiles(Path.Combine(data, "keys"), "key-*.xml").Should().ContainSingle("the restart made no new key");
        }
    }

    [Fact]
    public async Task WithoutAffinity_NoKeyIsMade_AndTheKeyRingIsNeverLoaded()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var data = Path.Combine(_dir.Path, "data");
        var (proxy, https) = await StartAsync(data, "first", policy: null, upstream.Url);
        await using var _ = proxy;

        using var client = TestClients.Https(https);
        (await client.GetStringAsync("/x")).Should().Be("upstream:/x");
        await Task.Delay(TimeSpan.FromSeconds(1));

        Directory.Exists(Path.Combine(data, "keys")).Should().BeFalse("no key without a cookie to protect:\n" + proxy.Output);
        var maps = File.ReadAllText($"/proc/{proxy.Id}/maps");
        maps.Should().NotContain("System.Private.Xml", "the key ring's XML stack (3-4 MB resident) is not loaded");
        // Nor what WebApplication.CreateBuilder brings and EdgeProxy never uses (~2 MB resident): IIS, QUIC (no HTTP/3 yet),
        // the logging providers Serilog replaces.
        maps.Should().NotContain("Microsoft.AspNetCore.Server.IIS").And.NotContain("System.Net.Quic").And.NotContain("Transport.Quic")
            .And.NotContain("Microsoft.Extensions.Logging.Debug").And.NotContain("Microsoft.Extensions.Logging.EventSource");
    }

    [Fact]
    public async Task AKeysFolderThatCannotBeMade_RefusesTheStart_NamingDataPathAndTheCluster()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var data = Path.Combine(Blocker(), "data"); // under a file: no folder can be made there, not even by root

        await using var proxy = Launch(data, "refused", "Cookie", upstream.Url).Proxy;

        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(1, proxy.Output);
        proxy.Output.Should().Contain("FAIL EdgeProxy:DataPath: the session-affinity keys cannot be kept in '" + Path.Combine(data, "keys") + "'")
            .And.Contain("cluster 'app' uses SessionAffinity policy Cookie or CustomHeader");
        proxy.Output.Should().NotContain("Microsoft.AspNetCore.DataProtection").And.NotContain("   at ",
            "the FAIL line is the report; data protection's error and stack trace before it would read as a crash");
    }

    [Fact]
    public async Task HashCookie_NeedsNoKey_AndStartsWhereNoKeyCouldBeKept()
    {
        await using var a = await TestUpstream.StartAsync(app => app.MapFallback(context => context.Response.WriteAsync("a")));
        await using var b = await TestUpstream.StartAsync(app => app.MapFallback(context => context.Response.WriteAsync("b")));
        var (proxy, https) = await StartAsync(Path.Combine(Blocker(), "data"), "hash", "HashCookie", a.Url, b.Url);
        await using var _ = proxy;

        using var client = TestClients.Https(https, cookies: new CookieContainer());
        var pinned = await client.GetStringAsync("/");
        for (var i = 0; i < 4; i++)
        {
            (await client.GetStringAsync("/")).Should().Be(pinned, "the hashed cookie pins the client without any key");
        }
    }

    [Fact]
    public async Task AReloadThatAddsCookieAffinity_WhereNoKeyCanBeKept_IsRefused_AndTheLastGoodConfigServes()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var config = new TestConfig(_dir.Path).Set("EdgeProxy:DataPath", Path.Combine(Blocker(), "data"))
            .Route("app", "{**any}", "app").Cluster("app", upstream.Url);
        await using var proxy = await ProxyInstance.StartAsync(config, output: null);
        using var client = proxy.CreateClient();
        (await client.GetStringAsync("/before")).Should().Be("upstream:/before");

        config.Set("ReverseProxy:Clusters:app:SessionAffinity:Enabled", true).Set("ReverseProxy:Clusters:app:SessionAffinity:Policy", "Cookie")
            .Set("ReverseProxy:Routes:app:Transforms:0:ResponseHeader", "X-Reloaded").Set("ReverseProxy:Routes:app:Transforms:0:Set", "yes");
        proxy.WriteConfig();

        var refused = await proxy.Logs.WaitForAsync(e => e.RenderMessage().Contains("EdgeProxy:DataPath"));
        refused.RenderMessage().Should().Contain("rejected").And.Contain("cluster 'app' uses SessionAffinity policy Cookie");
        proxy.Logs.Events.Where(e => e.Level >= Serilog.Events.LogEventLevel.Error && e.Properties.TryGetValue("SourceContext", out var source) && source.ToString().Contains("DataProtection", StringComparison.Ordinal))
            .Should().BeEmpty("the rejection names EdgeProxy:DataPath; data protection's own error and stack trace are not repeated");
        using var after = await client.GetAsync("/after");
        (await after.Content.ReadAsStringAsync()).Should().Be("upstream:/after", "the last good config still serves");
        after.Headers.Contains("X-Reloaded").Should().BeFalse("nothing of the refused file applies");
        after.Headers.Contains("Set-Cookie").Should().BeFalse();
    }

    /// <summary>A file where a folder of DataPath would have to be.</summary>
    private string Blocker()
    {
        var blocker = Path.Combine(_dir.Path, "not-a-folder");
        File.WriteAllText(blocker, "a file, where EdgeProxy:DataPath needs a folder");
        return blocker;
    }

    /// <summary>Starts EdgeProxy in <paramref name="folder"/> (its working directory and its config's) without waiting for it.</summary>
    private (EdgeProxyProcess Proxy, int Https, int Admin) Launch(string data, string folder, string? policy, params string[] upstreams)
    {
        var (https, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var dir = Path.Combine(_dir.Path, folder);
        Directory.CreateDirectory(dir);
        var config = new TestConfig(dir)
            .ProcessListeners(https, admin)
            .Set("EdgeProxy:DataPath", data)
            .Route("app", "{**any}", "app").Cluster("app", upstreams)
            .Set("ReverseProxy:Clusters:app:LoadBalancingPolicy", "RoundRobin");
        if (policy is not null)
        {
            config.Set("ReverseProxy:Clusters:app:SessionAffinity:Enabled", true)
                .Set("ReverseProxy:Clusters:app:SessionAffinity:Policy", policy)
                .Set("ReverseProxy:Clusters:app:SessionAffinity:AffinityKeyName", "app-affinity");
        }

        return (EdgeProxyProcess.Start(dir, ["--config", config.Write()]), https, admin);
    }

    private async Task<(EdgeProxyProcess Proxy, int Https)> StartAsync(string data, string folder, string? policy, params string[] upstreams)
    {
        var (proxy, https, admin) = Launch(data, folder, policy, upstreams);
        await proxy.WaitReadyAsync(admin);
        return (proxy, https);
    }
}
