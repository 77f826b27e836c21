using System.Diagnostics;
using System.Net.WebSockets;
using System.Threading.Channels;
using EdgeProxy.Tests.ClientCertificates.Revocation;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tests.Streaming;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Samples;

/// <summary>
/// samples/stig-manager/appsettings.json in front of a stand-in STIG Manager and Keycloak, running the seed's
/// verification steps: SSE answers at once with periodic keepalives, NDJSON progress lines arrive as produced,
/// the log WebSocket upgrades and stays open, Keycloak gets X-Forwarded-*, a CAC certificate reaches Keycloak in
/// nginx's format.
/// </summary>
public sealed class StigManagerSampleTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>STIG Manager sends a keepalive event every 30 s; the stand-in every 300 ms.</summary>
    private static readonly TimeSpan KeepaliveInterval = TimeSpan.FromMilliseconds(300);

    private readonly TempDirectory _dir = new();
    private readonly TestPki _pki = TestPki.Instance;
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _revokedCard = TestPki.Instance.IssueClient("CN=DOE.JANE.R.9876543210,OU=USA,OU=PKI,OU=DoD,O=U.S. Government,C=US");
    private readonly Channel<string> _progress = Channel.CreateUnbounded<string>();
    private TestUpstream _stigman = null!;
    private TestUpstream _keycloak = null!;
    private ProxyInstance _proxy = null!;

    public async Task InitializeAsync()
    {
        _stigman = await TestUpstream.StartAsync(app =>
        {
            app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
            app.MapGet("/api/op/state/sse", StateSseAsync);
            app.MapPost("/api/collections/{id}/export-to/{dst}", ProgressAsync);
            app.MapPost("/api/collections/{id}/clone", ProgressAsync);
            app.Map("/socket/log-socket", LogSocketAsync);
        });
        _keycloak = await HeaderEchoUpstream.StartAsync();
        var crl = _dir.Combine("crls", "intermediate.crl");
        Directory.CreateDirectory(Path.GetDirectoryName(crl)!);
        await File.WriteAllBytesAsync(crl, RevocationPki.BuildCrl(_pki.Intermediate, [_revokedCard]));
        var config = SampleConfig.Load("stig-manager", _dir.Path, output,
            ("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { _pki.WriteCaBundle(_dir.Combine("ca")) }),
            ("EdgeProxy:ClientCertificates:CrlFiles", new[] { crl }),
            ("ReverseProxy:Clusters:stigman:Destinations:api:Address", _stigman.Url),
            ("ReverseProxy:Clusters:keycloak:Destinations:kc:Address", _keycloak.Url));
        _proxy = await ProxyInstance.StartAsync(config, output);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _stigman.DisposeAsync();
        await _keycloak.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    [Fact]
    public void Check_PassesWithoutWarnings_OnceTheFilesExist() => SampleConfig.CheckPasses(_proxy.Config, output);

    [Fact]
    public async Task StateSse_ImmediateInitialResponse_ThenPeriodicKeepalives_NothingBuffered()
    {
        using var client = _proxy.CreateClient();
        (await client.GetAsync("/").WaitAsync(Bound)).Dispose(); // the TLS handshake and first-request JIT are not the proxy buffering
        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync("/api/op/state/sse", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Bound);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        response.Headers.Contains("X-Accel-Buffering").Should().BeFalse("the proxy honours and removes it, as nginx does");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        (await ReadEventAsync(reader)).Should().StartWith("event: state");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2), "the seed: immediate initial response (within 1-2 seconds)");

        var arrivals = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            (await ReadEventAsync(reader)).Should().StartWith("event: keepalive");
            arrivals.Add(clock.Elapsed);
        }

        // The stream never ends, so anything held back would never arrive; and the keepalives came over time,
        // as written (two intervals apart), not in one burst.
        (arrivals[^1] - arrivals[0]).Should().BeGreaterThan(KeepaliveInterval);
    }

    [ToolFact("curl")]
    public async Task SeedsCurlCheck_ShowsTheStateAtOnce_ThenKeepalives()
    {
        // The seed's own step: curl -N <api-url>/op/state/sse, watched for 2 s (the stand-in's 30 s are 300 ms).
        var root = _pki.WriteRootPem(_dir.Combine("curl"));
        var result = await ExternalTool.RunAsync(ExternalTool.Require("curl"),
            ["-sN", "--cacert", root, "--max-time", "2", $"https://127.0.0.1:{_proxy.HttpsPort}/api/op/state/sse"], TimeSpan.FromSeconds(15));

        output.WriteLine(result.All);
        result.ExitCode.Should().Be(28, "curl stops the endless stream at --max-time");
        result.StdOut.Should().StartWith("event: state\ndata: {\"state\":\"available\"}\n\n");
        result.StdOut.Split("event: keepalive").Length.Should().BeGreaterThan(3, "a keepalive every 300 ms for 2 s");
    }

    [Theory]
    [InlineData("/api/collections/1/export-to/2")]
    [InlineData("/api/collections/1/clone")]
    public async Task NdjsonProgress_EachLineArrives_BeforeTheNextIsProduced(string path)
    {
        using var client = _proxy.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { options = new { } }) };
        var sending = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        StreamReader? reader = null;
        foreach (var stage in new[] { "prepare", "assets", "reviews", "complete" })
        {
            var line = $$"""{"stage":"{{stage}}"}""";
            await _progress.Writer.WriteAsync(line); // the API produces the next line only now (Node sends the headers with the first)
            if (reader is null)
            {
                var response = await sending.WaitAsync(Bound);
                response.Content.Headers.ContentType!.MediaType.Should().Be("application/x-ndjson");
                reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            }

            (await reader.ReadLineAsync().WaitAsync(Bound)).Should().Be(line);
        }

        _progress.Writer.TryWrite(string.Empty); // ends the operation
        (await reader!.ReadLineAsync().WaitAsync(Bound)).Should().BeNull();
        reader.Dispose();
        (await sending).Dispose();
    }

    [Fact]
    public async Task LogSocket_Upgrades_AndStaysOpenAcrossQuietSpells()
    {
        using var socket = await WebSocketClients.ConnectAsync(_proxy, "/socket/log-socket", http2: false);
        (await socket.ReceiveTextAsync()).Should().Be("log: connected");

        await Task.Delay(1500);
        await socket.SendTextAsync("subscribe");
        (await socket.ReceiveTextAsync()).Should().Be("log: subscribe");
        socket.State.Should().Be(WebSocketState.Open);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(Bound);
    }

    [Fact]
    public async Task Keycloak_GetsForwardedFor_Proto_Host_WhateverTheClientClaims()
    {
        using var client = _proxy.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/kc/realms/stigman/.well-known/openid-configuration");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.66");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "evil.example");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "http");
        var echo = await HeaderEchoUpstream.ReadAsync(await client.SendAsync(request).WaitAsync(Bound));

        echo.Path.Should().Be("/kc/realms/stigman/.well-known/openid-configuration", "Keycloak runs with KC_HTTP_RELATIVE_PATH=/kc");
        echo.Header("X-Forwarded-For").Should().Be("127.0.0.1");
        echo.Header("X-Forwarded-Proto").Should().Be("https");
        echo.Header("X-Forwarded-Host").Should().Be($"localhost:{_proxy.HttpsPort}");
        echo.Header("Host").Should().Be($"localhost:{_proxy.HttpsPort}");
    }

    [Fact]
    public async Task CacCertificate_ReachesKeycloak_InNginxFormat_AndNoneWithoutACard()
    {
        var card = _pki.IssueClient("CN=DOE.JOHN.Q.1234567890,OU=USA,OU=PKI,OU=DoD,O=U.S. Government,C=US");
        using (var withCard = TestClients.Https(_proxy.HttpsPort, clientCertificate: card))
        {
            var echo = await HeaderEchoUpstream.ReadAsync(await withCard.GetAsync("/kc/realms/stigman/protocol/openid-connect/auth").WaitAsync(Bound));
            echo.Header("X-SSL-Client-Verify").Should().Be("SUCCESS");
            echo.Header("X-SSL-Client-S-DN").Should().Be("CN=DOE.JOHN.Q.1234567890,OU=USA,OU=PKI,OU=DoD,O=U.S. Government,C=US");
            Uri.UnescapeDataString(echo.Header("X-SSL-Client-Cert")!).Should().Be(card.ExportCertificatePem() + "\n");
        }

        using var withoutCard = _proxy.CreateClient();
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/kc/realms/stigman/protocol/openid-connect/auth");
        forged.Headers.TryAddWithoutValidation("X-SSL-Client-Cert", Uri.EscapeDataString(card.ExportCertificatePem()));
        forged.Headers.TryAddWithoutValidation("X-SSL-Client-Verify", "SUCCESS");
        var anonymous = await HeaderEchoUpstream.ReadAsync(await withoutCard.SendAsync(forged).WaitAsync(Bound));
        anonymous.Header("X-SSL-Client-Verify").Should().Be("NONE", "password login still works without a card");
        anonymous.Header("X-SSL-Client-Cert").Should().BeNull("a certificate header sent by a client is never passed on");
    }

    [Fact]
    public async Task RevokedCac_IsForwardedAsFailed_NeverSuccess()
    {
        using var client = TestClients.Https(_proxy.HttpsPort, clientCertificate: _revokedCard);
        var echo = await HeaderEchoUpstream.ReadAsync(await client.GetAsync("/kc/realms/stigman/protocol/openid-connect/auth").WaitAsync(Bound));

        echo.Header("X-SSL-Client-Verify").Should().StartWith("FAILED:").And.Contain("revoked", "the CRL in CrlFiles lists this card");
    }

    private static async Task<string> ReadEventAsync(StreamReader reader)
    {
        var lines = new List<string>();
        while (await reader.ReadLineAsync().WaitAsync(Bound) is { Length: > 0 } line)
        {
            lines.Add(line);
        }

        return string.Join('\n', lines);
    }

    /// <summary>Like STIG Manager: x-accel-buffering: no, the current state at once, then a keepalive event per interval.</summary>
    private async Task StateSseAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await context.Response.WriteAsync("event: state\ndata: {\"state\":\"available\"}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            while (true)
            {
                await Task.Delay(KeepaliveInterval, context.RequestAborted);
                await context.Response.WriteAsync("event: keepalive\ndata: {}\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Like exportToCollection / cloneCollection: one NDJSON line per step, each written when the test releases it.</summary>
    private async Task ProgressAsync(HttpContext context)
    {
        context.Response.ContentType = "application/x-ndjson";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        await foreach (var line in _progress.Reader.ReadAllAsync(context.RequestAborted))
        {
            if (line.Length == 0)
            {
                return;
            }

            await context.Response.WriteAsync(line + "\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    private static async Task LogSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await WebSocketReplies.ServeAsync(context, socket, text => "log: " + text, greeting: "log: connected");
    }
}
