using System.Text;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Observability;

/// <summary>
/// EdgeProxy as operators run it, in each log format they use: the default text console (stdout redirected, as in a
/// container), compact JSON on the console (Serilog's sink, and EdgeProxy's own console), and a file. A request whose path decodes to CR LF followed by
/// a made-up access-log line, C0 and C1 controls, ESC sequences, U+2028 and U+2029 must leave exactly one line
/// mentioning it, with every one of those characters written as an escape.
/// </summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed class LogForgingProcessTests(ITestOutputHelper output) : IDisposable
{
    private const int SigTerm = 15;
    private const string Forged = "[12:00:00 INF] EdgeProxy.AccessLog: 6.6.6.6 \"GET https://bank/ HTTP/1.1\" 200";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>What a line-based reader (docker logs, journald, Fluent Bit, a JavaScript viewer) takes for a line break.</summary>
    private static readonly char[] LineBreaks = ['\n', '\r', '\u0085', '\u2028', '\u2029', '\v', '\f'];

    [Theory]
    [InlineData("text")]
    [InlineData("compact-json")]
    [InlineData("console-json")]
    [InlineData("file")]
    public async Task ControlCharactersInThePath_NeverMakeASecondLogLine(string format)
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var (https, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var file = _dir.Combine("logs", "edge.log");
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{https}")
            .Set("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{TestClients.FreePort()}")
            .Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{admin}")
            .Route("raw", "/raw/{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.Path"] = "AsSent" })
            .Route("all", "{**any}", "app")
            .Cluster("app", upstream.Url);
        if (format == "compact-json")
        {
            config.Set("Serilog:WriteTo:0:Name", "Console").Set("Serilog:WriteTo:0:Args:formatter", "Serilog.Formatting.Compact.CompactJsonFormatter, Serilog.Formatting.Compact");
        }
        else if (format == "console-json")
        {
            config.Set("EdgeProxy:Console:Format", "CompactJson");
        }
        else if (format == "file")
        {
            config.Set("Serilog:WriteTo:0:Name", "File").Set("Serilog:WriteTo:0:Args:path", file);
        }

        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);
        await proxy.WaitReadyAsync(admin);
        var marker = $"m{Guid.NewGuid():N}";
        var escapes = "%0D%0A" + Uri.EscapeDataString(Forged) + "%0A%1B%5B31m%08%7F%C2%85%C2%9B%E2%80%A8%E2%80%A9%E2%80%AE";
        using var client = TestClients.Https(https);

        // Refused (400, an encoded control character) on the ordinary route; passed on by the as-sent route. Both are logged.
        using var refused = await client.GetAsync($"/{marker}-refused{escapes}");
        using var passed = await client.GetAsync($"/raw/{marker}-passed{escapes}");
        ((int)refused.StatusCode).Should().Be(400);
        ((int)passed.StatusCode).Should().NotBe(400, "the as-sent route passes it on (the echo app may not have a page for it)");
        proxy.Signal(SigTerm);
        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(20))).Should().Be(0, proxy.Output);

        var text = format == "file" ? await File.ReadAllTextAsync(file, Encoding.UTF8) : proxy.Output;
        output.WriteLine(text);
        foreach (var which in new[] { "refused", "passed" })
        {
            var lines = text.Split(LineBreaks).Where(l => l.Contains(marker + "-" + which, StringComparison.Ordinal)).ToList();
            lines.Should().ContainSingle($"the {which} request is one access-log line in {format}");
            var line = lines[0];
            line.Should().Contain("EdgeProxy.AccessLog").And.Contain(format.EndsWith("json", StringComparison.Ordinal) ? "\\\\x0D\\\\x0A" : "\\x0D\\x0A");
            line.Should().Contain(format.EndsWith("json", StringComparison.Ordinal) ? "\\\\u2028" : "\\u2028");
            line.Where(c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u202E').Should().BeEmpty("no raw control, separator or bidi character is written");
        }

        text.Split(LineBreaks).Where(l => l.StartsWith("[12:00:00 INF]", StringComparison.Ordinal) || l.Contains("https://bank/") && !l.Contains(marker)).Should().BeEmpty("the forged line is never a line of its own");
    }

    [Fact]
    public async Task QuotesInThePath_CannotCloseAnAccessLogField()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var (https, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{https}")
            .Set("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{TestClients.FreePort()}")
            .Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{admin}")
            .Route("adm", "/adm/{**rest}", "app")
            .Route("all", "{**any}", "app")
            .Cluster("app", upstream.Url);
        await using var proxy = EdgeProxyProcess.Start(_dir.Path, ["--config", config.Write()]);
        await proxy.WaitReadyAsync(admin);
        var marker = $"m{Guid.NewGuid():N}";

        // Decoded, the path closes the request field and writes a status, a size and a route of its own.
        var forged = $"/{marker}\" 500 0B route=adm client_cert=\"CN=root\"";
        using var client = TestClients.Https(https);
        client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", "evil\" 500 route=adm");
        using var response = await client.GetAsync("/" + marker + "%22%20500%200B%20route=adm%20client_cert=%22CN=root%22");
        var status = (int)response.StatusCode;
        proxy.Signal(SigTerm);
        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(20))).Should().Be(0, proxy.Output);

        var lines = proxy.Output.Split(LineBreaks).Where(l => l.Contains(marker, StringComparison.Ordinal)).ToList();
        output.WriteLine(string.Join('\n', lines));
        lines.Should().ContainSingle("the request is one access-log line");
        var line = lines[0];
        line.Count(c => c == '"').Should().Be(4, "only the request field and client_cert are quoted, by EdgeProxy");
        var match = System.Text.RegularExpressions.Regex.Match(line,
            "EdgeProxy\\.AccessLog: (?<ip>\\S+) \"(?<method>\\S+) (?<url>[^\"]*) (?<protocol>HTTP/\\S+)\" (?<status>\\d+) (?<bytes>\\d+)B \\S+ms route=(?<route>\\S+) .* client_cert=\"(?<cert>[^\"]*)\"$");
        match.Success.Should().BeTrue(line);
        var url = Unescape(match.Groups["url"].Value);
        url.Should().EndWith(forged, "the path field reads back as the path the client sent, decoded");
        match.Groups["status"].Value.Should().Be(status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        match.Groups["route"].Value.Should().Be("all");
        match.Groups["cert"].Value.Should().Be("-");
        line.Should().NotContain("evil", "header values, the user agent among them, are never part of the access log");
    }

    /// <summary>The reading of a logged value: <c>\xHH</c>, <c>\uHHHH</c> and <c>\\</c> back to what they stand for.</summary>
    private static string Unescape(string value) => System.Text.RegularExpressions.Regex.Replace(value, @"\\(\\|x[0-9A-F]{2}|u[0-9A-F]{4})",
        m => m.Value[1] == '\\' ? "\\" : ((char)Convert.ToInt32(m.Value[2..], 16)).ToString());
}
