using System.Net;
using System.Net.WebSockets;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tests.Streaming;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Samples;

/// <summary>
/// samples/fluxlit/appsettings.json in front of a stand-in FluxLit gateway: the /apps/my-app mount with the prefix
/// stripped and X-Forwarded-Prefix sent, Streamlit's WebSocket with its subprotocol, one HSTS header (the proxy's),
/// client identity only from the trusted load balancer, and the health paths passed through.
/// </summary>
public sealed class FluxLitSampleTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly IPAddress LoadBalancer = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.0.9");
    private readonly TempDirectory _dir = new();
    private TestUpstream _fluxlit = null!;
    private ProxyInstance _proxy = null!;
    private volatile bool _streamlitUp;

    public async Task InitializeAsync()
    {
        _fluxlit = await TestUpstream.StartAsync(app =>
        {
            app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
            app.Use(async (context, next) =>
            {
                // FLUXLIT_ENABLE_SECURITY_HEADERS: HSTS when the effective scheme is https, with its own max-age.
                if (context.Request.Headers["X-Forwarded-Proto"] == "https")
                {
                    context.Response.Headers.StrictTransportSecurity = "max-age=63072000; includeSubDomains";
                }

                await next(context);
            });
            app.MapGet("/api/healthz", () => Results.Json(new { status = "ok" }));
            app.MapGet("/api/readyz", () => _streamlitUp
                ? Results.Json(new { status = "ready" })
                : Results.Json(new { status = "not ready", streamlit = "unreachable" }, statusCode: 503));
            app.Map("/_stcore/stream", StreamlitStreamAsync);
            app.MapFallback((HttpContext context) => Results.Json(new
            {
                path = context.Request.Path.Value,
                prefix = context.Request.Headers["X-Forwarded-Prefix"].ToString(),
                proto = context.Request.Headers["X-Forwarded-Proto"].ToString(),
                forwardedFor = context.Request.Headers["X-Forwarded-For"].ToString(),
                realIp = context.Request.Headers["X-Real-IP"].ToString(),
            }));
        });
        var config = SampleConfig.Load("fluxlit", _dir.Path, output,
            ("EdgeProxy:TrustedProxies:Networks", new[] { LoadBalancer.ToString() }),
            ("ReverseProxy:Clusters:fluxlit:Destinations:gateway:Address", _fluxlit.Url));
        _proxy = await ProxyInstance.StartAsync(config, output);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _fluxlit.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    [Fact]
    public void Check_PassesWithoutWarnings_OnceTheFilesExist() => SampleConfig.CheckPasses(_proxy.Config, output);

    [Theory]
    [InlineData("/apps/my-app/", "/")]
    [InlineData("/apps/my-app/api/docs", "/api/docs")]
    public async Task Mount_StripsThePrefix_AndSendsXForwardedPrefix(string requested, string seenByFluxLit)
    {
        using var client = _proxy.CreateClient();
        var seen = await GetJsonAsync(client, requested);

        seen.GetProperty("path").GetString().Should().Be(seenByFluxLit);
        seen.GetProperty("prefix").GetString().Should().Be("/apps/my-app");
        seen.GetProperty("proto").GetString().Should().Be("https");
    }

    [Fact]
    public async Task HealthPaths_PassThrough_ReadyzIncludingIts503()
    {
        using var client = _proxy.CreateClient();
        using (var healthz = await client.GetAsync("/apps/my-app/api/healthz").WaitAsync(Bound))
        {
            healthz.StatusCode.Should().Be(HttpStatusCode.OK);
            (await healthz.Content.ReadAsStringAsync()).Should().Be("""{"status":"ok"}""");
        }

        using (var notReady = await client.GetAsync("/apps/my-app/api/readyz").WaitAsync(Bound))
        {
            notReady.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            (await notReady.Content.ReadAsStringAsync()).Should().Be("""{"status":"not ready","streamlit":"unreachable"}""", "FluxLit's own 503 body, not a proxy error page");
        }

        _streamlitUp = true;
        using var ready = await client.GetAsync("/apps/my-app/api/readyz").WaitAsync(Bound);
        ready.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Hsts_HasOneOwner_TheProxy()
    {
        using var client = _proxy.CreateClient();
        using var response = await client.GetAsync("/apps/my-app/").WaitAsync(Bound);

        response.Headers.GetValues("Strict-Transport-Security").Should().Equal(["max-age=31536000"], "FluxLit's own header (max-age=63072000) is replaced, not duplicated");

        using var plain = TestClients.Plain(_proxy.HttpPort);
        using var redirect = await plain.GetAsync("/apps/my-app/").WaitAsync(Bound);
        redirect.StatusCode.Should().Be(HttpStatusCode.PermanentRedirect);
        redirect.Headers.Contains("Strict-Transport-Security").Should().BeFalse();
    }

    [ToolFact("curl")]
    public async Task GuidesRunbook_CurlHeadHealthz_ShowsOneHstsHeader()
    {
        // The guide's step: curl -fsSI https://…/myapp/api/healthz, then "confirm Strict-Transport-Security appears".
        var root = TestPki.Instance.WriteRootPem(_dir.Combine("curl"));
        var result = await ExternalTool.RunAsync(ExternalTool.Require("curl"),
            ["-fsSI", "--cacert", root, $"https://127.0.0.1:{_proxy.HttpsPort}/apps/my-app/api/healthz"], TimeSpan.FromSeconds(15));

        output.WriteLine(result.All);
        result.ExitCode.Should().Be(0);
        result.StdOut.Split('\n').Where(l => l.StartsWith("strict-transport-security:", StringComparison.OrdinalIgnoreCase))
            .Should().ContainSingle().Which.TrimEnd().Should().EndWith("max-age=31536000");
    }

    [Fact]
    public async Task ForwardedFor_IsHonouredFromTheLoadBalancerOnly()
    {
        using var balancer = SourceBoundClient.Create(LoadBalancer, IPAddress.Loopback, _proxy.HttpsPort);
        using var stranger = SourceBoundClient.Create(Stranger, IPAddress.Loopback, _proxy.HttpsPort);
        var viaBalancer = await GetJsonAsync(balancer, "/apps/my-app/whoami", "198.51.100.7");
        viaBalancer.GetProperty("realIp").GetString().Should().Be("198.51.100.7");
        viaBalancer.GetProperty("forwardedFor").GetString().Should().Be("198.51.100.7, 127.0.0.2");

        var direct = await GetJsonAsync(stranger, "/apps/my-app/whoami", "198.51.100.7");
        direct.GetProperty("realIp").GetString().Should().Be("127.0.0.9", "a peer outside the trusted networks cannot choose its address");
        direct.GetProperty("forwardedFor").GetString().Should().Be("127.0.0.9");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StreamlitWebSocket_UnderTheMount_KeepsItsSubprotocol(bool http2)
    {
        using var socket = await WebSocketClients.ConnectAsync(_proxy, "/apps/my-app/_stcore/stream", http2, "streamlit");

        socket.SubProtocol.Should().Be("streamlit");
        await socket.SendTextAsync("rerun");
        (await socket.ReceiveTextAsync()).Should().Be("protocol=streamlit;path=/_stcore/stream;prefix=/apps/my-app");
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(Bound);
    }

    private static async Task<System.Text.Json.JsonElement> GetJsonAsync(HttpClient client, string path, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (forwardedFor is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        }

        using var response = await client.SendAsync(request).WaitAsync(Bound);
        response.EnsureSuccessStatusCode();
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Like Streamlit: accepts only the "streamlit" subprotocol, then answers each message.</summary>
    private static async Task StreamlitStreamAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest || !context.WebSockets.WebSocketRequestedProtocols.Contains("streamlit"))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync("streamlit");
        await WebSocketReplies.ServeAsync(context, socket, _ => $"protocol={socket.SubProtocol};path={context.Request.Path};prefix={context.Request.Headers["X-Forwarded-Prefix"]}");
    }
}
