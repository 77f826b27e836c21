using System.Net;
using System.Text.Json.Nodes;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Admin.Status;

/// <summary>
/// One running proxy the status page is read from: several routes, a healthy cluster and one whose only destination
/// is dead (active health check on), a certificate that expires in three days, hostile text in a route id, a
/// cluster id and a certificate subject, and secrets in every place config can hold one. Requests were sent: some
/// answered, some failed upstream, one with forged credentials in its headers and query.
/// </summary>
public sealed class StatusFixture : IAsyncLifetime, IDisposable
{
    /// <summary>Markup that would run if any value were written unencoded.</summary>
    public const string Hostile = "<script>document.body.dataset.pwned='yes'</script>";

    /// <summary>Every secret the config or a client hands the proxy; none may appear in the page or the JSON.</summary>
    public static readonly string[] Secrets =
    [
        "pfx-Passw0rd-s3cret", "dest-userinfo-s3cret", "dest-query-s3cret", "transform-header-s3cret", "match-header-s3cret",
        "client-bearer-s3cret", "client-cookie-s3cret", "client-query-s3cret", "forged-xff-s3cret", "jwt-authority-s3cret",
    ];

    private readonly TempDirectory _dir = new();

    public ProxyInstance Proxy { get; private set; } = null!;

    public TestUpstream Upstream { get; private set; } = null!;

    /// <summary>Ends the held SSE stream of <c>/events/hold</c>.</summary>
    public TaskCompletionSource StreamRelease { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int DeadPort { get; } = TestClients.FreePort();

    public string ArtifactsDirectory { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgeproxy-status-page", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));

    public async Task InitializeAsync()
    {
        Upstream = await TestUpstream.StartAsync(app =>
        {
            // An SSE stream that stays open until a test releases it, to be counted among the open streams.
            app.MapGet("/events/hold", async context =>
            {
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync("data: open\n\n");
                await context.Response.Body.FlushAsync();
                await StreamRelease.Task.WaitAsync(context.RequestAborted);
            });
            app.MapFallback(context => context.Response.WriteAsync("upstream:" + context.Request.Path));
        });
        var pki = TestPki.Instance;
        var certs = _dir.Combine("certs");
        var (soonCert, soonKey) = pki.WritePem(pki.IssueServer("soon.example", ["soon.example"], notAfter: DateTimeOffset.UtcNow.AddDays(3)), certs, "soon");
        var pfx = pki.WritePfx(pki.IssueServer("\"" + Hostile + "\"", ["pfx.example"]), certs, "hostile", Secrets[0]);
        var health = new { Enabled = true, Interval = "00:00:01", Timeout = "00:00:00.500", Path = "/healthz" };
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Expiring:Url", "https://127.0.0.1:0")
            .WithCertificate(soonCert, soonKey, "Expiring")
            .Set("Kestrel:Endpoints:Hostile:Url", "https://127.0.0.1:0")
            .Set("Kestrel:Endpoints:Hostile:Certificate:Path", pfx)
            .Set("Kestrel:Endpoints:Hostile:Certificate:Password", Secrets[0])
            .Route("app", "/app/{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.AllowFrom"] = "127.0.0.0/8" })
            .Route("events", "/events/{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.Stream"] = "Sse" })
            .Route("feed", "/feed/{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.StreamPolicy"] = "slow-feed" })
            .Set("EdgeProxy:Streaming:Policies:slow-feed:Mode", "Ndjson")
            .Route("dead", "/dead/{**rest}", "dead", new Dictionary<string, string> { ["EdgeProxy.TryDuration"] = "0" })
            .Route(Hostile, "/hostile/{**rest}", "hostile<b>cluster</b>", new Dictionary<string, string> { ["EdgeProxy.TryDuration"] = "0" })
            .Set("ReverseProxy:Routes:app:Match:Hosts", new[] { "localhost", "app.example" })
            .Set("ReverseProxy:Routes:app:Match:Headers", new[] { new { Name = "X-Tenant", Values = new[] { Secrets[4] } } })
            .Set("ReverseProxy:Routes:events:Transforms", new[] { new Dictionary<string, string> { ["RequestHeader"] = "X-Api-Key", ["Set"] = Secrets[3] } })
            .Cluster("app", Upstream.Url)
            .Set("ReverseProxy:Clusters:app:HealthCheck:Active", health)
            .Cluster("dead", $"http://127.0.0.1:{DeadPort}")
            .Set("ReverseProxy:Clusters:dead:HealthCheck:Active", health)
            .Cluster("hostile<b>cluster</b>", $"http://user:{Secrets[1]}@127.0.0.1:{DeadPort}/{Hostile}?key={Secrets[2]}")
            .Set("EdgeProxy:Authentication:Jwt:Issuer:Authority", $"https://127.0.0.1:{DeadPort}/{Secrets[9]}")
            .Set("EdgeProxy:Authentication:Jwt:Issuer:Audiences", new[] { "api" });
        Proxy = await ProxyInstance.StartAsync(config, output: null);

        using var client = Proxy.CreateClient();
        (await client.GetStringAsync("/events/x")).Should().Be("upstream:/events/x");
        (await client.GetAsync("/dead/x")).StatusCode.Should().BeOneOf(HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable);
        using var forged = new HttpRequestMessage(HttpMethod.Get, $"/hostile/{Hostile}?token={Secrets[7]}");
        forged.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Secrets[5]);
        forged.Headers.TryAddWithoutValidation("Cookie", "session=" + Secrets[6]);
        forged.Headers.TryAddWithoutValidation("X-Forwarded-For", Secrets[8]);
        (await client.SendAsync(forged)).StatusCode.Should().BeOneOf(HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable);

        // YARP marks a destination down after two failed probes a second apart.
        await Eventually.EqualsAsync(async () => (await StatusAsync())["clusters"]!.AsArray().First(c => (string?)c!["id"] == "dead")!["destinations"]![0]!["health"]!.GetValue<string>(), "unhealthy");
    }

    public HttpClient Admin() => Proxy.CreatePlainClient(Proxy.AdminPort);

    public string AdminUrl(string path = "/") => $"http://127.0.0.1:{Proxy.AdminPort}{path}";

    public async Task<JsonNode> StatusAsync()
    {
        using var admin = Admin();
        return JsonNode.Parse(await admin.GetStringAsync("/status.json"))!;
    }

    public async Task DisposeAsync()
    {
        StreamRelease.TrySetResult();
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>Runs alone: exact request counts are read, and OpenTelemetry would mix in series of proxies running in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StatusPageGroup : ICollectionFixture<StatusFixture>
{
    public const string Name = "status page";
}
