using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Tests.ClientCertificates.Revocation;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tests.Streaming;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Samples;

/// <summary>
/// samples/uptrakit/appsettings.json in front of a stand-in controller, with a real OCSP responder (openssl) in
/// place of the controller's /api/v1/pki/ocsp: the seed's security model — certificate headers only from trusted
/// proxies, the issuer checked, direct mTLS first, revocation, the real client IP on WebSocket connects.
/// </summary>
public sealed class UptrakitSampleTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private static readonly IPAddress Balancer = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.0.9");
    private readonly TempDirectory _dir = new();
    private readonly TestPki _pki = TestPki.Instance;
    private readonly X509Certificate2 _agent = TestPki.Instance.IssueClient("CN=agent-7f3a,O=Uptrakit");
    private readonly X509Certificate2 _otherAgent = TestPki.Instance.IssueClient("CN=agent-0b21,O=Uptrakit");
    private readonly X509Certificate2 _revoked = TestPki.Instance.IssueClient("CN=agent-lost,O=Uptrakit");
    private readonly ConcurrentQueue<Dictionary<string, string>> _connects = new();
    private OpenSslOcspResponder _ocsp = null!;
    private TestUpstream _controller = null!;
    private ProxyInstance _proxy = null!;

    public async Task InitializeAsync()
    {
        _ocsp = await new OpenSslOcspResponder(_pki.Intermediate, _pki.Intermediate, "-nmin", "5")
            .Valid(_agent).Valid(_otherAgent).Revoked(_revoked).StartAsync();
        _controller = await TestUpstream.StartAsync(app =>
        {
            app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
            app.Map("/api/v1/agent/ws", AgentSocketAsync);
            app.MapFallback((HttpContext context) => Results.Json(Identity(context)));
        });
        var config = SampleConfig.Load("uptrakit", _dir.Path, output,
            ("EdgeProxy:TrustedProxies:Networks", new[] { Balancer.ToString() }),
            ("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { _pki.WriteCaBundle(_dir.Combine("ca")) }),
            ("EdgeProxy:ClientCertificates:Ocsp:ResponderUrl", _ocsp.Url.ToString()),
            ("ReverseProxy:Clusters:controller:Destinations:controller:Address", _controller.Url));
        _proxy = await ProxyInstance.StartAsync(config, output);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _controller.DisposeAsync();
        await _ocsp.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    [ToolFact("openssl")]
    public void Check_PassesWithoutWarnings_OnceTheFilesExist() => SampleConfig.CheckPasses(_proxy.Config, output);

    [ToolFact("openssl")]
    public async Task DirectMtls_ValidAgent_IsForwardedAsSuccess_AfterOcsp()
    {
        var seen = await SendAsync(Stranger, direct: _agent);

        seen["verify"].Should().Be("SUCCESS");
        seen["subject"].Should().Be("CN=agent-7f3a,O=Uptrakit");
        seen["issuer"].Should().Be(_pki.Intermediate.SubjectName.Format(false).Replace(", ", ","));
        _ocsp.Requests.Should().BeGreaterThan(0, "the certificate was checked with the controller's OCSP responder");
    }

    [ToolFact("openssl")]
    public async Task DirectMtls_RevokedAgent_IsNeverSuccess()
    {
        var seen = await SendAsync(Stranger, direct: _revoked);

        seen["verify"].Should().StartWith("FAILED:").And.Contain("revoked");
    }

    [ToolFact("openssl")]
    public async Task DirectMtls_CertificateFromAnotherCa_FailsTheIssuerCheck()
    {
        var seen = await SendAsync(Stranger, direct: new TestPki("Not Uptrakit").IssueClient("CN=agent-7f3a,O=Uptrakit"));

        seen["verify"].Should().StartWith("FAILED:");
    }

    [ToolFact("openssl")]
    public async Task ForwardedCertificate_FromTheTrustedBalancer_IsAccepted()
    {
        var seen = await SendAsync(Balancer, forwarded: _agent);

        seen["verify"].Should().Be("SUCCESS");
        seen["subject"].Should().Be("CN=agent-7f3a,O=Uptrakit");
        Uri.UnescapeDataString(seen["cert"]).Should().Be(_agent.ExportCertificatePem() + "\n");
    }

    [ToolFact("openssl")]
    public async Task ForwardedCertificate_FromAnyoneElse_IsStripped()
    {
        var seen = await SendAsync(Stranger, forwarded: _agent);

        seen["verify"].Should().Be("NONE");
        seen["cert"].Should().BeEmpty();
        seen["subject"].Should().BeEmpty();
    }

    [ToolFact("openssl")]
    public async Task ForwardedCertificate_FromTheBalancer_ButAnotherCa_IsNotAccepted()
    {
        var seen = await SendAsync(Balancer, forwarded: new TestPki("Not Uptrakit").IssueClient("CN=agent-7f3a,O=Uptrakit"));

        output.WriteLine("X-SSL-Client-Verify: " + seen["verify"]);
        seen["verify"].Should().StartWith("FAILED:", "nginx's format names a refused certificate; the controller must never see SUCCESS for it");
    }

    [ToolFact("openssl")]
    public async Task DirectMtls_TakesPrecedence_OverAForwardedCertificate()
    {
        var seen = await SendAsync(Balancer, direct: _otherAgent, forwarded: _agent);

        seen["verify"].Should().Be("SUCCESS");
        seen["subject"].Should().Be("CN=agent-0b21,O=Uptrakit");
    }

    [ToolFact("openssl")]
    public async Task WebSocketConnect_CarriesTheRealClientIp_ThroughTheBalancer_AndDirectly()
    {
        await ConnectAgentAsync(Balancer, "198.51.100.20");
        await ConnectAgentAsync(Stranger, "198.51.100.20");

        var connects = _connects.ToArray();
        connects.Should().HaveCount(2);
        connects[0]["realIp"].Should().Be("198.51.100.20", "the balancer is trusted to name the client");
        connects[0]["verify"].Should().Be("SUCCESS");
        connects[1]["realIp"].Should().Be("127.0.0.9", "anyone else is the client it connects from");
        connects[1]["forwardedFor"].Should().Be("127.0.0.9");
    }

    private async Task ConnectAgentAsync(IPAddress source, string claimedClient)
    {
        using var invoker = SourceBoundClient.Create(source, IPAddress.Loopback, _proxy.HttpsPort, clientCertificate: _agent);
        using var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.SetRequestHeader("X-Forwarded-For", claimedClient);
        await socket.ConnectAsync(new Uri($"wss://localhost:{_proxy.HttpsPort}/api/v1/agent/ws"), invoker, CancellationToken.None).WaitAsync(Bound);
        (await socket.ReceiveTextAsync()).Should().Be("hello");
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(Bound);
    }

    private async Task<Dictionary<string, string>> SendAsync(IPAddress source, X509Certificate2? direct = null, X509Certificate2? forwarded = null)
    {
        using var client = SourceBoundClient.Create(source, IPAddress.Loopback, _proxy.HttpsPort, clientCertificate: direct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/services");
        if (forwarded is not null)
        {
            // What nginx in front sends: $ssl_client_escaped_cert and $ssl_client_verify.
            request.Headers.TryAddWithoutValidation("X-SSL-Client-Cert", Uri.EscapeDataString(forwarded.ExportCertificatePem() + "\n"));
            request.Headers.TryAddWithoutValidation("X-SSL-Client-Verify", "SUCCESS");
            request.Headers.TryAddWithoutValidation("X-SSL-Client-S-DN", "CN=agent-7f3a,O=Uptrakit");
        }

        using var response = await client.SendAsync(request).WaitAsync(Bound);
        response.EnsureSuccessStatusCode();
        return System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(await response.Content.ReadAsStringAsync())!;
    }

    private static Dictionary<string, string> Identity(HttpContext context) => new()
    {
        ["verify"] = context.Request.Headers["X-SSL-Client-Verify"].ToString(),
        ["subject"] = context.Request.Headers["X-SSL-Client-S-DN"].ToString(),
        ["issuer"] = context.Request.Headers["X-SSL-Client-I-DN"].ToString(),
        ["cert"] = context.Request.Headers["X-SSL-Client-Cert"].ToString(),
        ["realIp"] = context.Request.Headers["X-Real-IP"].ToString(),
        ["forwardedFor"] = context.Request.Headers["X-Forwarded-For"].ToString(),
    };

    /// <summary>Like the controller's agent socket: records who connected (it refreshes ip_address here), then greets.</summary>
    private async Task AgentSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        _connects.Enqueue(Identity(context));
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        try
        {
            await socket.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, true, context.RequestAborted);
            var result = await socket.ReceiveAsync(new byte[1024], context.RequestAborted);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
        }
    }
}
