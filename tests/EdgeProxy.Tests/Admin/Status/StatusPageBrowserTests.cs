using System.Text.RegularExpressions;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Admin.Status;

/// <summary>
/// The page as a browser shows it, with scripts on (the tables rebuilt from <c>/status.json</c> by <c>/status.js</c>)
/// and off (the server's tables): the dead destination and the certificate near expiry are flagged, hostile text
/// stays text. Screenshots are written to <see cref="StatusFixture.ArtifactsDirectory"/>, whose path each test prints.
/// </summary>
[Collection(StatusPageGroup.Name)]
public sealed class StatusPageBrowserTests(StatusFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [ToolTheory(HeadlessChromium.Tool)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Page_ShowsTheDeadDestinationAndTheExpiryWarning(bool javascript)
    {
        await using var browser = await HeadlessChromium.StartAsync(javascript);
        var dom = await LoadAsync(browser, javascript);
        output.WriteLine(dom);

        Body(dom).Should().Contain(javascript ? "data-rendered=\"script\"" : "data-rendered=\"server\"",
            javascript ? "the script polled /status.json and rebuilt the tables" : "with scripts off the server's tables are the page");
        Regex.IsMatch(dom, $"<tr class=\"down\"><td>dead</td><td>d0</td><td>http://127\\.0\\.0\\.1:{fixture.DeadPort}/</td><td class=\"bad\">unhealthy</td><td>Unhealthy</td>")
            .Should().BeTrue("the dead destination's row is flagged");
        Regex.IsMatch(dom, "<tr class=\"warn\"><td>Kestrel:Endpoints:Expiring:Certificate</td><td>CN=soon.example</td>.*?<td class=\"bad\">[23](\\.\\d)? \\(expires soon\\)</td>")
            .Should().BeTrue("the certificate three days from expiry carries the warning");
        Regex.IsMatch(dom, "<tr><td>Kestrel:Endpoints:Https:Certificate</td>.*?<td>(89|90)(\\.\\d)?</td>").Should().BeTrue("a 90-day certificate is not flagged");
        dom.Should().Contain(javascript ? "live, every 5 s" : "reload the page to refresh");

        var file = Path.Combine(fixture.ArtifactsDirectory, javascript ? "status-js-on.png" : "status-js-off.png");
        await browser.ScreenshotAsync(file);
        output.WriteLine($"screenshot: {file}");
    }

    [ToolFact(HeadlessChromium.Tool)]
    public async Task WithScriptsOn_ANewFailureAppearsWithoutReloading()
    {
        await using var browser = await HeadlessChromium.StartAsync(javascript: true);
        var before = FailureRows(await LoadAsync(browser, javascript: true));

        using var client = fixture.Proxy.CreateClient();
        (await client.GetAsync("/dead/again")).IsSuccessStatusCode.Should().BeFalse();
        var after = FailureRows(await browser.DomWhenAsync(d => FailureRows(d) > before, Within));

        after.Should().Be(before + 1, "the script's next poll of /status.json listed the new failure in the open page");
    }

    [ToolTheory(HeadlessChromium.Tool)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HostileText_IsRenderedAsText(bool javascript)
    {
        await using var browser = await HeadlessChromium.StartAsync(javascript);
        var dom = await LoadAsync(browser, javascript);

        Body(dom).Should().NotContain("pwned", "the script in a route id, a cluster id, a certificate subject and a destination never ran");
        dom.Should().NotContain("<script>document.body", "no value became an element");
        dom.Should().NotContain("<b>cluster</b>");
        Regex.Matches(dom, "<td>&lt;script&gt;document\\.body\\.dataset\\.pwned='yes'&lt;/script&gt;</td>").Should().HaveCountGreaterThanOrEqualTo(2, "the route id in the routes and failures tables, as text");
        dom.Should().Contain("<td>CN=\"&lt;script&gt;document.body.dataset.pwned='yes'&lt;/script&gt;\"</td>", "the certificate subject, as text");
        dom.Should().Contain("<td>hostile&lt;b&gt;cluster&lt;/b&gt;</td>");
    }

    /// <summary>
    /// Loads the page; with scripts on, waits until the script has rebuilt the tables from <c>/status.json</c> at least
    /// once (it marks the body), so what is checked is the script's rendering, not the server's.
    /// </summary>
    private async Task<string> LoadAsync(HeadlessChromium browser, bool javascript)
    {
        await browser.LoadAsync(fixture.AdminUrl());
        return javascript ? await browser.DomWhenAsync(d => Body(d).Contains("data-rendered=\"script\"", StringComparison.Ordinal), Within) : await browser.DomAsync();
    }

    private static int FailureRows(string dom) =>
        Regex.Count(Regex.Match(dom, "<table id=\"failures\">.*?</table>", RegexOptions.Singleline).Value, "<tr><td>[^<]*</td><td>dead</td>");

    /// <summary>The body's own tag, where the script marks how the page was rendered (and a hostile script would mark itself).</summary>
    private static string Body(string dom) => Regex.Match(dom, "<body[^>]*>").Value;
}
