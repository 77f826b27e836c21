using System.Net;
using System.Text.Json.Nodes;
using EdgeProxy.Admin.Status;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Admin.Status;

/// <summary>The <c>/status.json</c> contract, read from a real proxy over the admin listener.</summary>
[Collection(StatusPageGroup.Name)]
public sealed class StatusJsonTests(StatusFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Json_DescribesRoutesListenersAndCertificates()
    {
        var status = await fixture.StatusAsync();
        output.WriteLine(status.ToJsonString());

        status["readiness"]!.GetValue<string>().Should().Be("ready");
        var app = Item(status["routes"]!, "id", "app");
        Strings(app["hosts"]!).Should().Equal("localhost", "app.example");
        app["path"]!.GetValue<string>().Should().Be("/app/{**rest}");
        app["cluster"]!.GetValue<string>().Should().Be("app");
        app["allowFrom"]!.GetValue<string>().Should().Be("127.0.0.0/8");
        app["streamPolicy"]!.GetValue<string>().Should().Be("Auto", "the policy its requests start under, as check names it");
        Item(status["routes"]!, "id", "events")["streamPolicy"]!.GetValue<string>().Should().Be("Sse", "EdgeProxy.Stream: Sse is the built-in Sse policy");
        Item(status["routes"]!, "id", "feed")["streamPolicy"]!.GetValue<string>().Should().Be("slow-feed", "a named policy by its name");
        Item(status["routes"]!, "id", "dead")["allowFrom"]!.GetValue<string>().Should().Be("anyone");

        var soon = Item(status["certificates"]!, "key", "Kestrel:Endpoints:Expiring:Certificate");
        soon["expiresSoon"]!.GetValue<bool>().Should().BeTrue();
        soon["daysToExpiry"]!.GetValue<double>().Should().BeInRange(2.5, 3.0);
        soon["source"]!.GetValue<string>().Should().Be("file");
        soon["subject"]!.GetValue<string>().Should().Be("CN=soon.example");
        Strings(soon["names"]!).Should().Equal("soon.example");
        soon["issuer"]!.GetValue<string>().Should().Contain("Intermediate", "the test PKI's intermediate issued it");
        var normal = Item(status["certificates"]!, "key", "Kestrel:Endpoints:Https:Certificate");
        normal["expiresSoon"]!.GetValue<bool>().Should().BeFalse();
        Strings(normal["names"]!).Should().Equal("localhost", "127.0.0.1", "::1");

        var expiring = Item(status["listeners"]!, "name", "Expiring");
        expiring["kind"]!.GetValue<string>().Should().Be("Https");
        expiring["port"]!.GetValue<int>().Should().BeGreaterThan(0);
        Strings(expiring["certificates"]!).Should().Equal("Kestrel:Endpoints:Expiring:Certificate");
    }

    [Fact]
    public async Task Json_MarksTheDeadDestinationUnhealthy_AndListsItsFailure()
    {
        var status = await fixture.StatusAsync();

        var dead = Item(status["clusters"]!, "id", "dead")["destinations"]![0]!;
        dead["health"]!.GetValue<string>().Should().Be("unhealthy");
        dead["active"]!.GetValue<string>().Should().Be("Unhealthy", "its active health check failed");
        dead["address"]!.GetValue<string>().Should().Be($"http://127.0.0.1:{fixture.DeadPort}/");
        dead["inFlight"]!.GetValue<int>().Should().Be(0);
        var live = Item(status["clusters"]!, "id", "app")["destinations"]![0]!;
        live["health"]!.GetValue<string>().Should().Be("healthy");
        live["active"]!.GetValue<string>().Should().Be("Healthy");

        var failure = Item(status["upstreamFailures"]!, "route", "dead");
        failure["cluster"]!.GetValue<string>().Should().Be("dead");
        failure["destination"]!.GetValue<string>().Should().BeOneOf($"http://127.0.0.1:{fixture.DeadPort}/", "(none tried)");
        failure["failure"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        DateTimeOffset.Parse(failure["at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task Json_CountsRequestsPerRoute_FromTheSampledCounters()
    {
        var history = fixture.Proxy.Services.GetRequiredService<TrafficHistory>();
        await history.TickAsync();
        using var client = fixture.Proxy.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/app/{i}");
            request.Headers.Add("X-Tenant", StatusFixture.Secrets[4]); // the route matches this header value only
            using var response = await client.SendAsync(request);
            (await response.Content.ReadAsStringAsync()).Should().Be($"upstream:/app/{i}");
        }

        await history.TickAsync();
        var traffic = (await fixture.StatusAsync())["traffic"]!;

        traffic["available"]!.GetValue<bool>().Should().BeTrue();
        traffic["sampleSeconds"]!.GetValue<int>().Should().Be(10);
        var app = Item(traffic["routes"]!, "route", "app");
        Numbers(app["requestsPerSecond"]!).Sum().Should().BeApproximately(0.5, 0.001, "5 requests over 10 s intervals, and the fixture sent /app none before");
        Numbers(app["errorRate"]!).Should().OnlyContain(r => r == 0);
        Numbers(Item(traffic["routes"]!, "route", "dead")["errorRate"]!).Should().Contain(1.0, "the dead route answered 5xx only");
    }

    [Fact]
    public async Task Json_CountsOpenStreamsByPolicy_WhileTheyAreOpen()
    {
        var history = fixture.Proxy.Services.GetRequiredService<TrafficHistory>();
        using var client = fixture.Proxy.CreateClient();
        using var response = await client.GetAsync("/events/hold", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        (await reader.ReadLineAsync()).Should().Be("data: open", "the stream is open and flowing");

        await history.TickAsync();
        var open = (await fixture.StatusAsync())["traffic"]!["streams"]!;
        output.WriteLine(open.ToJsonString());
        var sse = open.AsArray().Single(s => string.Equals((string?)s!["kind"], "sse", StringComparison.OrdinalIgnoreCase))!;
        sse["open"]!.GetValue<long>().Should().Be(1);

        fixture.StreamRelease.TrySetResult();
        (await reader.ReadToEndAsync()).Trim().Should().BeEmpty("the upstream ended the stream");
        var after = await Eventually.EqualsAsync(async () =>
        {
            await history.TickAsync();
            var streams = (await fixture.StatusAsync())["traffic"]!["streams"]!.AsArray();
            return streams.Where(s => string.Equals((string?)s!["kind"], "sse", StringComparison.OrdinalIgnoreCase)).Sum(s => s!["open"]!.GetValue<long>());
        }, 0L);
        after.Should().Be(0, "the stream ended");
    }

    [Fact]
    public async Task EveryStatusAnswer_ForbidsFramingSniffingAndCaching()
    {
        using var admin = fixture.Admin();
        foreach (var path in new[] { "/", "/status.json", "/status.js", "/status.css" })
        {
            using var response = await admin.GetAsync(path);
            response.StatusCode.Should().Be(HttpStatusCode.OK, path);
            var csp = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
            csp.Should().Contain("default-src 'none'").And.Contain("script-src 'self'").And.Contain("frame-ancestors 'none'").And.NotContain("unsafe");
            response.Headers.GetValues("X-Frame-Options").Should().Equal("DENY");
            response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
            response.Headers.CacheControl!.NoStore.Should().BeTrue(path);
        }

        (await admin.PostAsync("/status.json", null)).StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        System.Text.RegularExpressions.Regex.Matches(await admin.GetStringAsync("/"), "(?:src|href)=\"([^\"]*)\"").Select(m => m.Groups[1].Value)
            .Should().Equal(["/status.css", "/status.js", "/status.json"], "every asset is the admin listener's own; nothing external");
    }

    [Fact]
    public async Task StatusPage_IsNotServedOnThePublicListeners()
    {
        using var client = fixture.Proxy.CreateClient();
        (await client.GetAsync("/status.json")).StatusCode.Should().Be(HttpStatusCode.NotFound, "no route matches; the page is on the admin listener only");
    }

    [Fact]
    public async Task Page_EncodesHostileText_FromConfigCertificatesAndFailures()
    {
        using var admin = fixture.Admin();
        var page = await admin.GetStringAsync("/");

        page.Should().NotContain(StatusFixture.Hostile).And.NotContain("<b>cluster");
        System.Text.RegularExpressions.Regex.Matches(page, "<script").Should().HaveCount(1, "the one script element is the page's own /status.js");
        page.Should().Contain("<td>&lt;script&gt;document.body.dataset.pwned=&#x27;yes&#x27;&lt;/script&gt;</td>", "the route id, as text")
            .And.Contain("<td>CN=&quot;&lt;script&gt;", "the certificate subject, as text")
            .And.Contain("<td>hostile&lt;b&gt;cluster&lt;/b&gt;</td>", "the cluster id, as text");
    }

    internal static JsonNode Item(JsonNode array, string field, string value) =>
        array.AsArray().FirstOrDefault(n => (string?)n![field] == value) ?? throw new Xunit.Sdk.XunitException($"no item with {field} = {value} in {array.ToJsonString()}");

    private static string[] Strings(JsonNode array) => [.. array.AsArray().Select(n => n!.GetValue<string>())];

    private static double[] Numbers(JsonNode array) => [.. array.AsArray().Select(n => n!.GetValue<double>())];
}
