using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Acme;

/// <summary>
/// Just enough of an ACME CA over real HTTPS on 127.0.0.1 for the background service: a directory with
/// <c>renewalInfo</c> (pebble 2.4.0 has none), nonces, accounts, and a <c>newOrder</c> that records what it was
/// sent and when, then refuses. Renewal windows are set per certID by the test.
/// </summary>
public sealed class FakeAcmeDirectory : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _nonce;

    private FakeAcmeDirectory(WebApplication app, string caBundle)
    {
        _app = app;
        CaBundle = caBundle;
    }

    public string DirectoryUrl => Base + "/dir";

    /// <summary>The PEM roots that make this server trusted (EdgeProxy's CaBundle).</summary>
    public string CaBundle { get; }

    public ConcurrentDictionary<string, (DateTimeOffset Start, DateTimeOffset End)> Windows { get; } = new();

    public ConcurrentQueue<(DateTimeOffset At, string CertId)> RenewalInfoRequests { get; } = new();

    public ConcurrentQueue<(DateTimeOffset At, JsonObject Payload)> Orders { get; } = new();

    private string Base { get; set; } = string.Empty;

    public static async Task<FakeAcmeDirectory> StartAsync(string directory)
    {
        var pki = TestPki.Instance;
        var issued = pki.IssueServer("fake-acme", ["127.0.0.1"]);
        var certificate = X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        var ca = new FakeAcmeDirectory(app, pki.WriteCaBundle(Path.Combine(directory, "fake-acme")));
        app.Use((context, next) =>
        {
            context.Response.Headers["Replay-Nonce"] = $"nonce-{Interlocked.Increment(ref ca._nonce)}";
            return next(context);
        });
        app.MapGet("/dir", () => Results.Json(new
        {
            newNonce = ca.Base + "/nonce",
            newAccount = ca.Base + "/new-account",
            newOrder = ca.Base + "/new-order",
            renewalInfo = ca.Base + "/ari/",
        }));
        app.MapMethods("/nonce", ["HEAD", "GET"], () => Results.Ok());
        app.MapGet("/ari/{certId}", (string certId) =>
        {
            ca.RenewalInfoRequests.Enqueue((DateTimeOffset.UtcNow, certId));
            return ca.Windows.TryGetValue(certId, out var w)
                ? Results.Json(new { suggestedWindow = new { start = w.Start, end = w.End } })
                : Results.NotFound();
        });
        app.MapPost("/new-account", (HttpContext context) =>
        {
            context.Response.Headers.Location = ca.Base + "/acct/1";
            return Results.Json(new { status = "valid" }, statusCode: 201);
        });
        app.MapPost("/new-order", async (HttpContext context) =>
        {
            var jws = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            var payload = JsonNode.Parse(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(jws["payload"]!.GetValue<string>())))!.AsObject();
            ca.Orders.Enqueue((DateTimeOffset.UtcNow, payload));
            context.Response.StatusCode = 403;
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync("""{"type":"urn:ietf:params:acme:error:unauthorized","detail":"fake CA stops here"}""");
        });
        await app.StartAsync();
        ca.Base = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return ca;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(TimeSpan.FromSeconds(5));
        await _app.DisposeAsync();
    }
}
