using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Serilog.Events;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Observability;

public sealed class AccessLogTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Prop(LogEvent e, string name) => e.Properties[name] is ScalarValue { Value: var v } ? v?.ToString() ?? "" : e.Properties[name].ToString();

    [Fact]
    public async Task EachRequest_WritesOneEventWithEveryField_AndNoQueryString()
    {
        await using var upstream = await TestUpstream.StartAsync(app => app.MapGet("/items/{id}", () => "0123456789"));
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path).Route("items", "/items/{id}", "c").Cluster("c", upstream.Url), output);
        using var client = proxy.CreateClient(http2: true);

        using var request = CallerTrace.SampledRequest("/items/7?token=secret-query", out var traceId, out var parent);
        (request.Version, request.VersionPolicy) = (client.DefaultRequestVersion, client.DefaultVersionPolicy);
        (await client.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.OK);

        var entry = await proxy.Logs.WaitForAsync(e => e.Properties.ContainsKey("RouteId") && e.Properties.ContainsKey("StatusCode"));
        Prop(entry, "TraceId").Should().Be(traceId.ToHexString(), "the access log continues the caller's trace");
        Prop(entry, "SpanId").Should().MatchRegex("^[0-9a-f]{16}$").And.NotBe(parent.ToHexString(), "the span is the proxy's own");
        entry.TraceId.Should().Be(traceId, "sinks that know traces (compact JSON @tr) get it too");
        Prop(entry, "ClientCertSubject").Should().Be("-");
        Prop(entry, "Listener").Should().Be("Https");
        proxy.Logs.Events.Count(e => e.Properties.ContainsKey("ResponseBytes")).Should().Be(1);
        Prop(entry, "ClientIp").Should().EndWith("127.0.0.1");
        Prop(entry, "Method").Should().Be("GET");
        Prop(entry, "Scheme").Should().Be("https");
        Prop(entry, "Host").Should().Be($"localhost:{proxy.HttpsPort}");
        Prop(entry, "Path").Should().Be("/items/7");
        Prop(entry, "Protocol").Should().Be("HTTP/2");
        Prop(entry, "StatusCode").Should().Be("200");
        Prop(entry, "ResponseBytes").Should().Be("10");
        double.Parse(Prop(entry, "DurationMs"), System.Globalization.CultureInfo.InvariantCulture).Should().BePositive();
        Prop(entry, "RouteId").Should().Be("items");
        Prop(entry, "ClusterId").Should().Be("c");
        Prop(entry, "Destination").Should().Be(upstream.Url);
        Prop(entry, "TlsProtocol").Should().Be("Tls13");
        entry.Timestamp.Should().BeCloseTo(DateTimeOffset.Now, TimeSpan.FromMinutes(1));
        proxy.Logs.AllText.Should().NotContain("secret-query");
    }

    [Fact]
    public async Task SecretsInHeaders_NeverAppearInAnyLog_EvenAtDebug()
    {
        await using var upstream = await TestUpstream.StartAsync(app => app.MapFallback(context =>
        {
            context.Response.Headers.SetCookie = "session=SETCOOKIE-SECRET-3; HttpOnly";
            return context.Response.WriteAsync("ok");
        }));
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path).Route("all", "{**any}", "c").Cluster("c", upstream.Url), output,
            "Serilog:MinimumLevel:Default=Debug");
        using var client = proxy.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/private");
        request.Headers.Authorization = new("Bearer", "AUTH-SECRET-1");
        request.Headers.Add("Cookie", "sid=COOKIE-SECRET-2");

        using var response = await client.SendAsync(request);
        response.Headers.GetValues("Set-Cookie").Single().Should().Contain("SETCOOKIE-SECRET-3", "the header itself is proxied");
        await proxy.Logs.WaitForAsync(e => e.Properties.ContainsKey("ResponseBytes"));

        proxy.Logs.Events.Count.Should().BeGreaterThan(3);
        proxy.Logs.AllText.Should().NotContain("AUTH-SECRET-1").And.NotContain("COOKIE-SECRET-2").And.NotContain("SETCOOKIE-SECRET-3");
    }

    [Fact]
    public async Task RedirectsAreLoggedToo_WithTheHttpListener()
    {
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path), output);
        using var plain = proxy.CreatePlainClient(proxy.HttpPort);

        (await plain.GetAsync("/r")).StatusCode.Should().Be(HttpStatusCode.PermanentRedirect);

        var entry = await proxy.Logs.WaitForAsync(e => e.Properties.ContainsKey("ResponseBytes"));
        Prop(entry, "StatusCode").Should().Be("308");
        Prop(entry, "Scheme").Should().Be("http");
        Prop(entry, "Listener").Should().Be("Http");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AspNetCoreRequestLines_AreReplacedByTheAccessLog_UnlessTheSerilogSectionAsksForThem(bool asked)
    {
        // ASP.NET Core's request logger opens a logging scope per request whenever it is enabled, and that scope
        // (an AsyncLocal in Serilog) made every request copy a larger execution context. Off by default; any
        // override of its category brings it back, scope included.
        await using var upstream = await TestUpstream.StartAsync(app => app.MapGet("/", () => "ok"));
        string[] args = ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore=Debug", "Serilog:MinimumLevel:Override:Yarp=Information"];
        if (asked)
        {
            args = [.. args, "Serilog:MinimumLevel:Override:Microsoft.AspNetCore.Hosting.Diagnostics=Information"];
        }

        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path).Route("all", "{**any}", "c").Cluster("c", upstream.Url), output, args);
        using var client = proxy.CreateClient();
        (await client.GetStringAsync("/")).Should().Be("ok");
        await proxy.Logs.WaitForAsync(e => e.Properties.ContainsKey("ResponseBytes"));

        if (asked)
        {
            // Hosting writes "Request finished" when the request's context is disposed, which can come after the access log's line.
            await proxy.Logs.WaitForAsync(e => Prop(e, "SourceContext") == "Microsoft.AspNetCore.Hosting.Diagnostics" && e.RenderMessage().StartsWith("Request finished", StringComparison.Ordinal));
        }

        var proxying = proxy.Logs.Events.Single(e => Prop(e, "SourceContext").StartsWith("Yarp.ReverseProxy.Forwarder", StringComparison.Ordinal) && e.RenderMessage().StartsWith("Proxying to", StringComparison.Ordinal));
        proxying.TraceId.Should().NotBeNull("events inside a request still carry its trace, scope or not");
        var hostingLines = proxy.Logs.Events.Count(e => Prop(e, "SourceContext") == "Microsoft.AspNetCore.Hosting.Diagnostics");
        if (asked)
        {
            hostingLines.Should().BeGreaterThanOrEqualTo(2, "Request starting and Request finished");
            proxying.Properties.Should().ContainKey("RequestId", "the request scope is back with its logger");
        }
        else
        {
            hostingLines.Should().Be(0);
            proxying.Properties.Should().NotContainKey("RequestId", "no request scope is opened")
                .And.NotContainKey("RequestPath").And.ContainKey("ConnectionId", "Kestrel's connection scope (one per connection) stays");
        }
    }
    [Fact]
    public async Task AnExceptionEscapingThePipeline_IsLoggedAsThe500TheClientGets_NotThe200TheResponseHeld()
    {
        await using var proxy = await ProxyInstance.StartAsync(new TestConfig(_dir.Path).Route("all", "{**any}", "c").Cluster("c", "http://127.0.0.1:9/"), output,
            services => services.AddSingleton<Yarp.ReverseProxy.Forwarder.IHttpForwarder, ThrowingForwarder>());
        using var client = proxy.CreateClient();

        (await client.GetAsync("/boom")).StatusCode.Should().Be(HttpStatusCode.InternalServerError);

        var entry = await proxy.Logs.WaitForAsync(e => e.Properties.ContainsKey("ResponseBytes"));
        Prop(entry, "StatusCode").Should().Be("500");
        Prop(entry, "RouteId").Should().Be("all");
    }

    private sealed class ThrowingForwarder : Yarp.ReverseProxy.Forwarder.IHttpForwarder
    {
        public ValueTask<Yarp.ReverseProxy.Forwarder.ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient,
            Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig requestConfig, Yarp.ReverseProxy.Forwarder.HttpTransformer transformer) =>
            throw new InvalidOperationException("a bug below the access log");
    }
}
