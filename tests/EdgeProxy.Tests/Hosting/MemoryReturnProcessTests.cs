using System.Globalization;
using System.Text.RegularExpressions;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Hosting;

/// <summary>
/// EdgeProxy as a process: after a busy spell and the configured idle time it gives memory back to the system, says
/// so once with the resident size before and after, and does nothing when the setting is 0 or nothing was busy; right
/// after start it returns the start's own garbage once (logged at Debug).
/// </summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed partial class MemoryReturnProcessTests(ITestOutputHelper output) : IDisposable
{
    private const string Returned = "Memory returned to the system";
    private const string StartReturned = "The start's garbage returned to the system";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AfterABusySpell_AndTheIdleTime_ResidentSizeAndHeapGoDown_LoggedOnce()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var (proxy, https) = await StartAsync("2s", upstream.Url);
        await using var _ = proxy;

        await BusySpellAsync(https);
        var line = await WaitForLineAsync(proxy, TimeSpan.FromSeconds(30));
        output.WriteLine(line);

        var m = ReturnedLine().Match(line);
        m.Success.Should().BeTrue(line);
        double N(string group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
        N("rssAfter").Should().BeLessThan(N("rssBefore"), "the resident size falls");
        N("heapAfter").Should().BeLessThan(N("heapBefore"), "the managed heap is compacted");
        ResidentMemory.Bytes(proxy.Id).Should().BeLessThan((long)(N("rssBefore") * 1024 * 1024), "and stays down");

        await Task.Delay(TimeSpan.FromSeconds(4)); // two more idle times
        Count(proxy.Output).Should().Be(1, "one return per busy spell");
    }

    [Fact]
    public async Task Zero_KeepsTheMemory_AndAnIdleProxy_NeverCollects()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var (off, offPort) = await StartAsync("0", upstream.Url);
        await using var _ = off;
        var (quiet, _) = await StartAsync("1s", upstream.Url);
        await using var __ = quiet;

        await BusySpellAsync(offPort);
        await Task.Delay(TimeSpan.FromSeconds(6));

        Count(off.Output).Should().Be(0, "0 turns returning off:\n" + off.Output);
        Count(quiet.Output).Should().Be(0, "a proxy nobody used has nothing to return:\n" + quiet.Output);
        Count(off.Output, StartReturned).Should().Be(0, "0 turns the return at start off too");
        Count(quiet.Output, StartReturned).Should().Be(1, "the start's own garbage is returned once, right after start");
    }

    [Fact]
    public async Task RightAfterStart_TheStartsGarbageIsReturned_AndTheResidentSizeStaysDown()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var (proxy, https) = await StartAsync("30s", upstream.Url);
        await using var _ = proxy;

        var line = await WaitForLineAsync(proxy, TimeSpan.FromSeconds(30), StartReturned);
        output.WriteLine(line);
        var m = ReturnedLine().Match(line);
        m.Success.Should().BeTrue(line);
        double N(string group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
        N("heapAfter").Should().BeLessThan(N("heapBefore") * 0.8, "most of the heap committed at start is the start's garbage");
        N("rssAfter").Should().BeLessThan(N("rssBefore"), "the resident size falls");

        // After a request (the first one JITs and loads a few MB of code of its own), against the same proxy
        // without the return: the garbage stays returned.
        var (kept, keptHttps) = await StartAsync("0", upstream.Url);
        await using var __ = kept;
        foreach (var port in new[] { https, keptHttps })
        {
            using var client = TestClients.Https(port);
            (await client.GetAsync("/after-start")).EnsureSuccessStatusCode();
        }

        await Task.Delay(500);
        var (returnedMb, keptMb) = (ResidentMemory.Bytes(proxy.Id) / 1048576.0, ResidentMemory.Bytes(kept.Id) / 1048576.0);
        output.WriteLine($"resident after the first request: {returnedMb:0.0} MB, without the return {keptMb:0.0} MB");
        returnedMb.Should().BeLessThan(keptMb - 1.5, "a request does not bring the start's garbage back (2.7-4.0 MB less in four runs)");
    }

    [Theory]
    [InlineData("-1s")]
    [InlineData("500ms")]
    [InlineData("2h")]
    public async Task OutOfRange_IsRefused_NamingTheKey(string value)
    {
        var config = new TestConfig(_dir.Path).Set("EdgeProxy:Memory:ReturnAfterIdle", value);
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["check", "--config", config.Write()]);
        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(60))).Should().NotBe(0, proxy.Output);
        proxy.Output.Should().Contain("EdgeProxy:Memory:ReturnAfterIdle");
    }

    private async Task<(EdgeProxyProcess Proxy, int Https)> StartAsync(string returnAfterIdle, string upstream)
    {
        var (https, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var dir = Path.Combine(_dir.Path, returnAfterIdle);
        Directory.CreateDirectory(dir);
        var config = new TestConfig(dir)
            .ProcessListeners(https, admin)
            .Set("EdgeProxy:AccessLog:Enabled", false)
            .Set("EdgeProxy:Memory:ReturnAfterIdle", returnAfterIdle)
            .Set("Serilog:MinimumLevel:Override:EdgeProxy.Hosting.MemoryReturn", "Debug") // the return at start is logged at Debug
            .Route("app", "{**any}", "app").Cluster("app", upstream);
        var proxy = EdgeProxyProcess.Start(dir, ["--config", config.Write()]);
        await proxy.WaitReadyAsync(admin);
        return (proxy, https);
    }

    /// <summary>8,000 requests, 32 at a time: some 40 MB allocated by the proxy, over the 32 MB that makes a spell.</summary>
    private static async Task BusySpellAsync(int https)
    {
        using var client = TestClients.Https(https);
        await Parallel.ForEachAsync(Enumerable.Range(0, 8000), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            using var response = await client.GetAsync($"/spell/{i}", ct);
            response.EnsureSuccessStatusCode();
        });
    }

    private static async Task<string> WaitForLineAsync(EdgeProxyProcess proxy, TimeSpan timeout, string text = Returned)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var line = proxy.Output.Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no \"{text}\" line within {timeout}:\n{proxy.Output}");
    }

    private static int Count(string output, string text = Returned) => Regex.Count(output, Regex.Escape(text));

    [GeneratedRegex(@"resident (?<rssBefore>[\d.]+) -> (?<rssAfter>[\d.]+) MB, managed heap (?<heapBefore>[\d.]+) -> (?<heapAfter>[\d.]+) MB")]
    private static partial Regex ReturnedLine();
}
