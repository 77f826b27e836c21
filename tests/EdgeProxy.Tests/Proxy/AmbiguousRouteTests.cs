using System.Net;
using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;
using Serilog.Events;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Proxy;

/// <summary>Two routes routing cannot choose between: refused by check, and never a silent empty 500 at run time.</summary>
public sealed class AmbiguousRouteTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private (int Exit, string Output) Check(TestConfig config)
    {
        using var text = new StringWriter();
        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", config.Write("check.json")]), _dir.Path, text, TextWriter.Null);
        return (exit, text.ToString());
    }

    private TestConfig TwoRoutes(Action<TestConfig> second) => Apply(
        new TestConfig(_dir.Path).Route("first", "{**catch-all}", "c").Route("second", "/{**rest}", "c").Cluster("c", "http://127.0.0.1:5080/"), second);

    private static TestConfig Apply(TestConfig config, Action<TestConfig> change)
    {
        change(config);
        return config;
    }

    [Fact]
    public void SecondRouteWithTheSameMatch_Fails_NamingBothAndTheFix()
    {
        // How a newcomer adds a second app: a copy of the first route, catch-all spelled differently.
        var (exit, text) = Check(TwoRoutes(_ => { }));

        exit.Should().Be(1, text);
        text.Should().Contain("FAIL ReverseProxy:Routes:second:Match: matches exactly the requests route 'first' matches")
            .And.Contain("Match:Hosts");
    }

    public static TheoryData<string, string, object, object> Indistinguishable => new()
    {
        { "same hosts in another case and order", "Hosts", new[] { "a.example.com", "B.example.com" }, new[] { "b.example.com", "a.example.com" } },
        { "same methods", "Methods", new[] { "GET", "POST" }, new[] { "post", "get" } },
    };

    [Theory]
    [MemberData(nameof(Indistinguishable))]
    public void RoutesDifferingOnlyInSpelling_Fail(string because, string field, object first, object second)
    {
        var (exit, text) = Check(TwoRoutes(c => c.Set($"ReverseProxy:Routes:first:Match:{field}", first).Set($"ReverseProxy:Routes:second:Match:{field}", second)));

        exit.Should().Be(1, because + "\n" + text);
        text.Should().Contain("FAIL ReverseProxy:Routes:second:Match: matches exactly the requests route 'first' matches");
    }

    public static TheoryData<string, string, object?> Distinguishable => new()
    {
        { "other host", "ReverseProxy:Routes:second:Match:Hosts", new[] { "b.example.com" } },
        { "other path", "ReverseProxy:Routes:second:Match:Path", "/b/{**rest}" },
        { "lower order wins", "ReverseProxy:Routes:second:Order", -1 },
        { "a header to match", "ReverseProxy:Routes:second:Match:Headers", new[] { new { Name = "X-App", Values = new[] { "b" } } } },
        { "a constrained parameter", "ReverseProxy:Routes:second:Match:Path", "/{id:int}" },
    };

    [Theory]
    [MemberData(nameof(Distinguishable))]
    public void RoutesThatCanBeToldApart_Pass(string because, string key, object? value)
    {
        var (exit, text) = Check(TwoRoutes(c => c.Set(key, value)));

        exit.Should().Be(0, because + "\n" + text);
        text.Should().NotContain("ReverseProxy:Routes:second:Match:");
    }

    [Fact]
    public async Task RoutesSharingAMethod_Warn_AndAtRunTimeTheSharedRequestIsA500ThatSaysSo_LoggedAsSuch()
    {
        await using var upstream = await TestUpstream.StartEchoAsync();
        var config = new TestConfig(_dir.Path)
            .Route("reads", "/api/{**rest}", "c").Set("ReverseProxy:Routes:reads:Match:Methods", new[] { "GET" })
            .Route("writes", "/api/{**rest}", "c").Set("ReverseProxy:Routes:writes:Match:Methods", new[] { "GET", "POST" })
            .Cluster("c", upstream.Url);
        var (exit, text) = Check(config);
        exit.Should().Be(0, text);
        text.Should().Contain("WARN ReverseProxy:Routes:writes:Match: requests for any host, GET match both this route and 'reads'");

        await using var proxy = await ProxyInstance.StartAsync(config, output);
        using var client = proxy.CreateClient();

        using var ambiguous = await client.GetAsync("/api/x");
        ambiguous.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        (await ambiguous.Content.ReadAsStringAsync()).Should().Be("500 Internal Server Error: more than one route matches this request; the proxy's log names them\n");
        using var post = await client.PostAsync("/api/x", new StringContent("x"));
        (await post.Content.ReadAsStringAsync()).Should().Be("upstream:/api/x", "POST matches one route only");

        var error = await proxy.Logs.WaitForAsync(e => e.Level == LogEventLevel.Error && e.RenderMessage().Contains("routing cannot choose"));
        error.RenderMessage().Should().Contain("'reads'").And.Contain("'writes'").And.Contain("GET");
        var access = await proxy.Logs.WaitForAsync(e => e.Properties.ContainsKey("StatusCode") && e.Properties["Method"].ToString() == "\"GET\"");
        access.Properties["StatusCode"].ToString().Should().Be("500", "the access log records what the client got, never 200");
        access.Properties["ResponseBytes"].ToString().Should().NotBe("0");
    }
}
