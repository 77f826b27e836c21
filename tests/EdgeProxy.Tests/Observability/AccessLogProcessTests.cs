using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeProxy.Observability;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Observability;

/// <summary>
/// The preformatted access log as operators get it: a real proxy process whose stdout is a pipe, in each format of
/// its own console (<c>EdgeProxy:Console:Format</c>), over HTTP/1.1 and HTTP/2, with a hostile path and the caller's
/// trace. Each request is exactly one line carrying every field.
/// </summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed partial class AccessLogProcessTests(ITestOutputHelper output) : IDisposable
{
    private const int SigTerm = 15;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(ConsoleLogFormat.Text)]
    [InlineData(ConsoleLogFormat.CompactJson)]
    public async Task EachRequest_IsOneLineWithEveryField_OverHttp1AndHttp2(ConsoleLogFormat format)
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var (proxy, https) = await StartAsync(upstream, config => config
            .Set("EdgeProxy:Console:Format", format.ToString())
            .Route("raw", "/raw/{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.Path"] = "AsSent" }));
        await using var owned = proxy;

        var sent = new List<(string Marker, string Protocol, ActivityTraceId Trace, int Bytes)>();
        foreach (var http2 in new[] { false, true })
        {
            using var client = TestClients.Https(https, http2: http2);
            var marker = $"m{Guid.NewGuid():N}";
            using var request = CallerTrace.SampledRequest($"/raw/{marker}%22%5C%E2%80%A8%C3%BC%1B[31m?token=secret", out var trace, out _);
            (request.Version, request.VersionPolicy) = (client.DefaultRequestVersion, client.DefaultVersionPolicy);
            using var response = await client.SendAsync(request);
            ((int)response.StatusCode).Should().Be(200);
            sent.Add((marker, http2 ? "HTTP/2" : "HTTP/1.1", trace, (await response.Content.ReadAsByteArrayAsync()).Length));
        }

        proxy.Signal(SigTerm);
        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(20))).Should().Be(0, proxy.Output);
        var text = proxy.Output;
        output.WriteLine(text);
        text.Should().NotContain("token=secret", "the query string is left out by default"); // not "secret": the TLS start-up line says "forward-secret"
        foreach (var (marker, protocol, trace, bytes) in sent)
        {
            var line = text.Split('\n').Should().ContainSingle(l => l.Contains(marker, StringComparison.Ordinal), $"one line for the {protocol} request").Subject;
            var path = LogValueEscaper.Escape($"/raw/{marker}\"\\\u2028ü\u001b[31m");
            var fields = format == ConsoleLogFormat.Text ? TextFields(line) : JsonFields(line);
            fields["ClientIp"].Should().Be("127.0.0.1");
            fields["Method"].Should().Be("GET");
            fields["Scheme"].Should().Be("https");
            fields["Host"].Should().Be($"localhost:{https}");
            fields["Path"].Should().Be(path, "escaped as the Serilog path escapes it");
            fields["Protocol"].Should().Be(protocol);
            fields["StatusCode"].Should().Be("200");
            fields["ResponseBytes"].Should().Be(bytes.ToString(CultureInfo.InvariantCulture));
            double.Parse(fields["DurationMs"], CultureInfo.InvariantCulture).Should().BeGreaterThan(0);
            fields["RouteId"].Should().Be("raw");
            fields["ClusterId"].Should().Be("app");
            fields["Destination"].Should().Be(upstream.Url);
            fields["TlsProtocol"].Should().Be("Tls13");
            fields["Listener"].Should().Be("Https");
            fields["TraceId"].Should().Be(trace.ToHexString(), "the access log continues the caller's trace");
            fields["SpanId"].Should().MatchRegex("^[0-9a-f]{16}$");
            fields["ClientCertSubject"].Should().Be("-");
            line.Where(c => char.IsControl(c) || c is '\u2028' or '\u2029').Should().BeEmpty();
        }
    }

    [Theory]
    [InlineData(ConsoleLogFormat.Text)]
    [InlineData(ConsoleLogFormat.CompactJson)]
    public async Task ALevelOverride_StillSilencesTheAccessLog_AndOnlyIt(ConsoleLogFormat format)
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var (proxy, https) = await StartAsync(upstream, config => config
            .Set("EdgeProxy:Console:Format", format.ToString())
            .Set("Serilog:MinimumLevel:Override:EdgeProxy.AccessLog", "Warning")
            .Route("all", "{**any}", "app"));
        await using var owned = proxy;
        var marker = await OneRequestThenStopAsync(proxy, https);
        proxy.Output.Should().NotContain(marker, "Serilog:MinimumLevel:Override:EdgeProxy.AccessLog holds the access log back on the fast path too");
        proxy.Output.Should().Contain(format == ConsoleLogFormat.Text ? " INF] " : "\"@mt\":", "the other logs are still written, in the format asked for");
    }

    [Fact]
    public async Task SerilogProperties_StillReachTheAccessLog_ThroughSerilogsPipeline()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var (proxy, https) = await StartAsync(upstream, config => config
            .Set("EdgeProxy:Console:Format", "CompactJson")
            .Set("Serilog:Properties:Site", "eu-1")
            .Route("all", "{**any}", "app"));
        await using var owned = proxy;
        var marker = await OneRequestThenStopAsync(proxy, https);
        var line = proxy.Output.Split('\n').Should().ContainSingle(l => l.Contains(marker, StringComparison.Ordinal)).Subject;
        var fields = JsonFields(line);
        fields["Site"].Should().Be("eu-1", "a property the Serilog section adds is on the access log too: it takes Serilog's path");
        fields["Path"].Should().Be("/" + marker);
    }

    /// <summary>A proxy process in front of <paramref name="upstream"/> (cluster <c>app</c>), its listeners on free ports; <paramref name="configure"/> adds the rest.</summary>
    private async Task<(EdgeProxyProcess Proxy, int Https)> StartAsync(TestUpstream upstream, Func<TestConfig, TestConfig> configure)
    {
        var (https, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var config = configure(new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{https}")
            .Set("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{TestClients.FreePort()}")
            .Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{admin}")
            .Cluster("app", upstream.Url));
        var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);
        try
        {
            await proxy.WaitReadyAsync(admin);
            return (proxy, https);
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    /// <summary>One request for a fresh marker path, then SIGTERM and a clean exit: everything it logged is in <c>Output</c>.</summary>
    private static async Task<string> OneRequestThenStopAsync(EdgeProxyProcess proxy, int https)
    {
        var marker = $"m{Guid.NewGuid():N}";
        using (var client = TestClients.Https(https))
        {
            ((int)(await client.GetAsync("/" + marker)).StatusCode).Should().Be(200);
        }

        proxy.Signal(SigTerm);
        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(20))).Should().Be(0, proxy.Output);
        return marker;
    }

    private static Dictionary<string, string> TextFields(string line)
    {
        var match = TextLine().Match(line);
        match.Success.Should().BeTrue(line);
        return TextLine().GetGroupNames().Where(n => !char.IsDigit(n[0])).ToDictionary(n => n, n => match.Groups[n].Value);
    }

    private static Dictionary<string, string> JsonFields(string line)
    {
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        root.GetProperty("@mt").GetString().Should().Be(AccessLogEntry.Template.Text);
        root.GetProperty("@tr").GetString().Should().Be(root.GetProperty("TraceId").GetString(), "@tr is the trace for shippers that know traces");
        root.GetProperty("@sp").GetString().Should().Be(root.GetProperty("SpanId").GetString());
        root.GetProperty("SourceContext").GetString().Should().Be(AccessLogMiddleware.Category);
        DateTimeOffset.Parse(root.GetProperty("@t").GetString()!, CultureInfo.InvariantCulture).Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(2));
        return root.EnumerateObject().Where(p => p.Name[0] != '@' && p.Name != "SourceContext")
            .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText());
    }

    [GeneratedRegex("^\\[\\d\\d:\\d\\d:\\d\\d INF\\] EdgeProxy\\.AccessLog: (?<ClientIp>\\S+) \"(?<Method>\\S+) (?<Scheme>[a-z]+)://(?<Host>[^/]+)(?<Path>\\S+) (?<Protocol>HTTP/\\S+)\" (?<StatusCode>\\d+) (?<ResponseBytes>\\d+)B (?<DurationMs>[\\d.]+)ms route=(?<RouteId>\\S+) cluster=(?<ClusterId>\\S+) destination=(?<Destination>\\S+) tls=(?<TlsProtocol>\\S+) listener=(?<Listener>\\S+) trace=(?<TraceId>\\S+) span=(?<SpanId>\\S+) client_cert=\"(?<ClientCertSubject>[^\"]*)\"$")]
    private static partial Regex TextLine();
}
