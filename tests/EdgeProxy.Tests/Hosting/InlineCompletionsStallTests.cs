using System.Diagnostics;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Hosting;

/// <summary>
/// With socket completions inline, the continuation of an upstream socket read runs on one of the runtime's
/// ".NET Sockets" threads (one per core), which also serve every other connection's reads, the clients' included.
/// Whatever blocks there stalls them all. Here: an HTTPS upstream that sends its leaf without the intermediate (a common
/// mistake), whose AIA caIssuers URL accepts and never answers (a CA host behind a firewall, or overloaded). SslStream
/// builds the upstream's chain when the read of the server's last handshake flight completes, and .NET on Linux then
/// downloads the missing issuer synchronously (X509Chain.Build, FindChainViaAia, HttpClient.Send) for up to 15 s:
/// with inline completions on the socket engine thread, so requests to healthy routes waited that long too (probe max
/// 13–15 s). EdgeProxy's upstream clients never download (Tls/OutboundTls): the AIA host is never contacted, the broken
/// route answers 502 at once, as nginx would, and the healthy route does not notice.
/// </summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed class InlineCompletionsStallTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// The stall this test is about holds a probe for 13–15 s (the runtime's issuer download timeout). A probe on a
    /// healthy process answers in milliseconds, but CI runs this beside other test classes that start processes
    /// of their own, where a single request can take a second or more; 3 s stays far from both.
    /// </summary>
    private const long MaxProbeMs = 3000;
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly IncompleteChainServer _bad = IncompleteChainServer.Start();
    private TestUpstream? _good;

    public async Task InitializeAsync() => _good = await TestUpstream.StartEchoAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _bad.DisposeAsync();
        if (_good is not null)
        {
            await _good.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _stop.Dispose();
        _dir.Dispose();
    }

    [Theory]
    [InlineData(null)] // EdgeProxy's default: inline
    [InlineData("0")]
    public async Task AnUpstreamWhoseIssuerDownloadHangs_DoesNotStallOtherClients(string? inline)
    {
        var (http, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{http}").Remove("Kestrel:Endpoints:Https").Set("EdgeProxy:HttpsRedirect:Enabled", false)
            .Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{admin}")
            .Route("good", "/good/{**rest}", "good").Cluster("good", _good!.Url)
            .Route("bad", "/bad/{**rest}", "bad").Cluster("bad", _bad.Url);
        var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()], new Dictionary<string, string?> { [Variable] = inline, ["DOTNET_PROCESSOR_COUNT"] = "2" });
        await using var _ = proxy;
        await proxy.WaitReadyAsync(admin);

        using var probe = TestClients.Plain(http);
        await Probe(probe, 5); // the first requests of a new process are JIT-compiled; not what this test measures
        var before = await Probe(probe, 10);
        before.Max().Should().BeLessThan(MaxProbeMs, $"before the attack; probe latencies in ms: {string.Join(' ', before)}\n{proxy.Output}");

        var broken = Stopwatch.StartNew();
        using (var response = await probe.GetAsync("/bad/first"))
        {
            ((int)response.StatusCode).Should().Be(502, "the upstream's chain cannot be completed without its intermediate");
            (await response.Content.ReadAsStringAsync()).Should().Contain("TLS handshake with upstream failed");
        }

        broken.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "refused at once, not after a 15 s download attempt");

        // Two requests at a time to the broken route, for as long as the probe runs: each is a new upstream
        // connection whose handshake would wait for the issuer download (the runtime gives up after 15 s).
        var attackers = Enumerable.Range(0, 2).Select(i => Task.Run(async () =>
        {
            using var client = TestClients.Plain(http);
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync($"/bad/{i}", _stop.Token);
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                }
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(2));
        var latencies = await Probe(probe, 30);
        await _stop.CancelAsync();
        await Task.WhenAll(attackers);

        var sorted = latencies.Order().ToArray();
        var setting = $"{Variable}={inline ?? "(unset)"}";
        output.WriteLine($"{setting}: probe p50 {sorted[sorted.Length / 2]} ms, p99 {sorted[(int)(sorted.Length * 0.99)]} ms, max {sorted[^1]} ms");
        sorted[^1].Should().BeLessThan(MaxProbeMs, $"a healthy route must not wait for another route's upstream ({setting}); probe latencies in ms: {string.Join(' ', latencies)}");
        _bad.AiaConnections.Should().Be(0, "EdgeProxy never downloads an issuer the upstream left out");
    }

    /// <summary>Sequential requests to the healthy route, each on a new connection (so on either socket engine thread); their latencies in ms.</summary>
    private static async Task<List<long>> Probe(HttpClient client, int count)
    {
        var latencies = new List<long>(count);
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/good/{i}");
            request.Headers.ConnectionClose = true;
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            latencies.Add(clock.ElapsedMilliseconds);
        }

        return latencies;
    }
}
