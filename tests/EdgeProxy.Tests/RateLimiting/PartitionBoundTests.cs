using System.Net;
using System.Threading.RateLimiting;
using EdgeProxy.Configuration;
using EdgeProxy.RateLimiting;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tests.Streaming;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.RateLimiting;

/// <summary>
/// A flood of distinct client addresses (X-Forwarded-For values from a trusted peer, as a load balancer in front of a
/// botnet would send them) cannot grow rate-limit state beyond MaxPartitions; what a partition costs is measured.
/// Runs alone: it measures the process's managed heap.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class PartitionBoundTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Cap = 200;
    private RateLimitProxy _env = null!;

    public async Task InitializeAsync() => _env = await RateLimitProxy.StartAsync(output, config =>
    {
        config.Set("EdgeProxy:AccessLog:Enabled", false); // thousands of lines would only slow the flood down
        foreach (var (name, max, window) in new[] { ("capped", Cap, "10m"), ("short", 100_000, "1s") })
        {
            config.Set($"EdgeProxy:RateLimiting:Policies:{name}:Kind", "FixedWindow")
                .Set($"EdgeProxy:RateLimiting:Policies:{name}:PermitLimit", 3)
                .Set($"EdgeProxy:RateLimiting:Policies:{name}:Window", window)
                .Set($"EdgeProxy:RateLimiting:Policies:{name}:MaxPartitions", max)
                .Route(name, $"/{name}/{{**rest}}", "app")
                .Set($"ReverseProxy:Routes:{name}:RateLimiterPolicy", name);
        }
    });

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task FloodOfDistinctAddresses_StaysWithinMaxPartitions_NewOnesShareTheOverflow_AndKnownOnesKeepTheirOwn()
    {
        using var balancer = _env.From(RateLimitProxy.TrustedPeer, http2: true);
        var table = Table("capped");

        using var first = await RateLimitProxy.GetAsync(balancer, "/capped/x", ("X-Forwarded-For", Flooder(0)));
        var statuses = await FloodAsync(balancer, "/capped/x", 1, 3000);
        using var firstAgain = await RateLimitProxy.GetAsync(balancer, "/capped/x", ("X-Forwarded-For", Flooder(0)));

        var admitted = statuses.Count(s => s == HttpStatusCode.OK);
        output.WriteLine($"capped: {table.Count} partitions after 3001 addresses; {admitted} admitted, {statuses.Count(s => s == HttpStatusCode.TooManyRequests)} refused");
        first.StatusCode.Should().Be(HttpStatusCode.OK);

        // 50 requests for new addresses run at once here: none may slip past the cap while another fills the table.
        table.Count.Should().Be(Cap + 1, "MaxPartitions of their own, plus the shared overflow one, however many arrive at once");
        admitted.Should().Be(Cap - 1 + 3, "exactly 199 more addresses got partitions of their own; the other 2,801 shared the overflow's 3 permits (a 10-minute window)");
        statuses.Should().OnlyContain(s => s == HttpStatusCode.OK || s == HttpStatusCode.TooManyRequests);
        firstAgain.StatusCode.Should().Be(HttpStatusCode.OK, "an address counted before the flood keeps its own partition (1 of 3 used)");
    }

    [Fact]
    public async Task IdlePartitions_AreDropped_SoTheTableEmptiesAfterAFlood()
    {
        using var balancer = _env.From(RateLimitProxy.TrustedPeer, http2: true);
        await FloodAsync(balancer, "/short/x", 300_000, 500);
        Table("short").Count.Should().Be(500);
        var dropped = await Eventually.EqualsAsync(() => Task.FromResult(Table("short").Count), 0, seconds: 30);
        dropped.Should().Be(0, "a 1-s window's partitions are idle once refilled, and ASP.NET Core drops limiters idle for 10 s");
    }

    /// <summary>
    /// What one partition costs, measured on the same code path the middleware runs (the policy's partition and limiter
    /// inside ASP.NET Core's partitioned limiter), 10,000 distinct addresses (the default cap) at once.
    /// </summary>
    [Fact]
    public void TenThousandPartitions_CostWhatTheDocsSay()
    {
        const int partitions = 10_000;
        var report = new ConfigReport();
        var settings = RateLimitingOptionsValidator.Resolve(BoundOptions.Get<RateLimitingOptions>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EdgeProxy:RateLimiting:Policies:p:Kind"] = "FixedWindow",
            ["EdgeProxy:RateLimiting:Policies:p:PermitLimit"] = "10",
            ["EdgeProxy:RateLimiting:Policies:p:Window"] = "60s",
        }).Build()), report);
        var policy = settings.Policies["p"];
        using var limiter = PartitionedRateLimiter.Create<HttpContext, RateLimitKey>(policy.Partition);
        var contexts = Enumerable.Range(0, partitions).Select(n => new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse(Flooder(n)) } }).ToList();
        limiter.AttemptAcquire(new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse("192.0.2.1") } }).Dispose(); // the types and statics

        var before = Heap();
        foreach (var context in contexts)
        {
            limiter.AttemptAcquire(context).Dispose();
        }

        var after = Heap();
        var perPartition = (after - before) / (double)partitions;
        output.WriteLine($"{policy.Table.Count} partitions: managed heap +{(after - before) / 1024.0:0} KB = {perPartition:0} B per partition (the addresses themselves were allocated before)");
        policy.Table.Count.Should().Be(partitions + 1);
        perPartition.Should().BeLessThan(1024, "RateLimitPolicyOptions.MaxPartitions promises about 0.5 KB each");
        GC.KeepAlive(contexts);
    }

    private static string Flooder(int n) => $"100.{64 + ((n >> 16) & 63)}.{(n >> 8) & 255}.{n & 255}";

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private PartitionTable Table(string policy) => _env.Proxy.Services.GetRequiredService<RateLimitState>().Current.Policies[policy].Table;

    private static async Task<List<HttpStatusCode>> FloodAsync(HttpClient client, string path, int from, int count)
    {
        var statuses = new List<HttpStatusCode>();
        for (var batch = 0; batch < count; batch += 50)
        {
            var responses = await Task.WhenAll(Enumerable.Range(from + batch, Math.Min(50, count - batch)).Select(n => RateLimitProxy.GetAsync(client, path, ("X-Forwarded-For", Flooder(n)))));
            foreach (var response in responses)
            {
                statuses.Add(response.StatusCode);
                response.Dispose();
            }
        }

        return statuses;
    }
}
