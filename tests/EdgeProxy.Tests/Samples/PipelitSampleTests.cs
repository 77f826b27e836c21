using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using EdgeProxy.Streaming;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tests.Streaming;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Samples;

/// <summary>
/// samples/pipelit/appsettings.json in front of a stand-in Pipelit: the seed's nginx site (redirect, TLS 1.2/1.3,
/// 50 MB uploads, /ws/ with a 24 h idle limit, real client IP) and its WebSocket verification (ping/pong).
/// </summary>
public sealed class PipelitSampleTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const long FiftyMegabytes = 50L * 1024 * 1024; // nginx's 50M
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>Pipelit's browser client pings every 30 s; here every 200 ms.</summary>
    private static readonly TimeSpan PingInterval = TimeSpan.FromMilliseconds(200);

    private readonly TempDirectory _dir = new();
    private readonly ConcurrentQueue<IHeaderDictionary> _upgrades = new();
    private TestUpstream _pipelit = null!;
    private ProxyInstance _proxy = null!;

    public async Task InitializeAsync()
    {
        _pipelit = await TestUpstream.StartAsync(app =>
        {
            app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
            app.Map("/ws/", WebSocketAsync);
            app.MapPost("/api/v1/uploads", async (HttpContext context) =>
            {
                context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = null;
                long total = 0;
                var buffer = new byte[64 * 1024];
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
                {
                    total += read;
                }

                return Results.Text($"received {total}");
            });
            app.MapGet("/api/v1/whoami", (HttpContext context) => Results.Json(new
            {
                realIp = context.Request.Headers["X-Real-IP"].ToString(),
                forwardedFor = context.Request.Headers["X-Forwarded-For"].ToString(),
                forwardedProto = context.Request.Headers["X-Forwarded-Proto"].ToString(),
                host = context.Request.Headers.Host.ToString(),
            }));
        });
        var config = SampleConfig.Load("pipelit", _dir.Path, output,
            ("ReverseProxy:Clusters:pipelit:Destinations:backend:Address", _pipelit.Url));
        _proxy = await ProxyInstance.StartAsync(config, output);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _pipelit.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    [Fact]
    public void Check_PassesWithoutWarnings_OnceTheFilesExist() => SampleConfig.CheckPasses(_proxy.Config, output);

    [Fact]
    public async Task Http_RedirectsToHttps_KeepingPathAndQuery()
    {
        using var plain = TestClients.Plain(_proxy.HttpPort);
        using var response = await plain.GetAsync("/workflows?tab=runs").WaitAsync(Bound);

        response.StatusCode.Should().Be(HttpStatusCode.PermanentRedirect);
        response.Headers.Location.Should().Be(new Uri($"https://127.0.0.1:{_proxy.HttpsPort}/workflows?tab=runs"));
        response.Headers.Contains("Strict-Transport-Security").Should().BeFalse("never on plain HTTP");
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Tls12And13_AreBothServed(SslProtocols protocol)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _proxy.HttpsPort).WaitAsync(Bound);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = protocol,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                TestPki.Instance.Validates(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData()), chain!.ChainPolicy.ExtraStore),
        }).WaitAsync(Bound);

        tls.SslProtocol.Should().Be(protocol);
    }

    [Fact]
    public async Task Upload_Of50MB_ReachesPipelit_OneByteMoreIs413()
    {
        using var client = _proxy.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(30);

        using var ok = await client.PostAsync("/api/v1/uploads", new ByteArrayContent(new byte[FiftyMegabytes])).WaitAsync(TimeSpan.FromSeconds(30));
        (await ok.Content.ReadAsStringAsync()).Should().Be($"received {FiftyMegabytes}");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/uploads") { Content = new ByteArrayContent(new byte[FiftyMegabytes + 1]) };
        request.Headers.ExpectContinue = true; // as curl and browsers' large uploads: the 413 comes before the body
        using var tooLarge = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(30));
        tooLarge.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await tooLarge.Content.ReadAsStringAsync()).Should().Be($"413 Payload Too Large: route 'app' accepts request bodies up to {FiftyMegabytes} bytes\n");
    }

    [Fact]
    public async Task RealClientIp_ReachesPipelit_AsXRealIp_AndXForwardedFor_WhateverTheClientClaims()
    {
        using var client = SourceBoundClient.Create(IPAddress.Parse("127.0.0.7"), IPAddress.Loopback, _proxy.HttpsPort);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/whoami");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "10.9.9.9");
        request.Headers.TryAddWithoutValidation("X-Real-IP", "10.9.9.9");
        using var response = await client.SendAsync(request).WaitAsync(Bound);
        var seen = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        seen.GetProperty("realIp").GetString().Should().Be("127.0.0.7");
        seen.GetProperty("forwardedFor").GetString().Should().Be("127.0.0.7", "a rate limiter must not be fooled by a client's own X-Forwarded-For");
        seen.GetProperty("forwardedProto").GetString().Should().Be("https");
        seen.GetProperty("host").GetString().Should().Be($"localhost:{_proxy.HttpsPort}", "proxy_set_header Host $host");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WebSocket_PingPong_LikeTheSeedsWebsocatCheck_WithClientHeaders(bool http2)
    {
        using var socket = await WebSocketClients.ConnectAsync(_proxy, "/ws/?token=your-api-key", http2);
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(PingInterval);
            await socket.SendTextAsync("""{"type":"ping"}""");
            (await socket.ReceiveTextAsync()).Should().Be("""{"type":"pong"}""");
        }

        socket.State.Should().Be(WebSocketState.Open);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(Bound);
        _upgrades.Should().ContainSingle();
        var headers = _upgrades.Single();
        headers["X-Real-IP"].ToString().Should().Be("127.0.0.1");
        headers["X-Forwarded-For"].ToString().Should().Be("127.0.0.1");
        headers["X-Forwarded-Proto"].ToString().Should().Be("https");
        headers["X-Token-Seen"].ToString().Should().Be("your-api-key");
    }

    [Fact]
    public void EffectivePolicies_AreNginxsValues_24hWebSocketIdle_50MBBodies()
    {
        var settings = _proxy.Services.GetRequiredService<StreamingPolicies>().Current; // what the running proxy applies

        settings.WebSocket.IdleTimeout.Should().Be(TimeSpan.FromHours(24), "proxy_read_timeout 86400s");
        settings.Buffered.MaxRequestBodySize.Should().Be(FiftyMegabytes, "client_max_body_size 50M");
    }

    private async Task WebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var headers = new HeaderDictionary();
        foreach (var (name, value) in context.Request.Headers)
        {
            headers[name] = value;
        }

        headers["X-Token-Seen"] = context.Request.Query["token"];
        _upgrades.Enqueue(headers);
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await WebSocketReplies.ServeAsync(context, socket, text => text == """{"type":"ping"}""" ? """{"type":"pong"}""" : null);
    }
}
