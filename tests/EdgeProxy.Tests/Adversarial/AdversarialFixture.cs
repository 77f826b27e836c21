using System.Collections.Concurrent;
using System.Net;
using EdgeProxy.Tests.Authentication;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Adversarial;

/// <summary>
/// The one proxy every adversarial table runs against: TLS on 127.0.0.1, 127.0.0.2 trusted, a JWT issuer, one
/// upstream that reports exactly what reached it (<see cref="HeaderEchoUpstream"/>), and routes for each class of
/// attack: an allowlisted <c>/admin</c>, a route passing odd paths as sent, a single-segment route, method
/// overrides allowed on the write route (the README's GET-public, writes-need-a-token example) and on one more.
/// </summary>
public sealed class AdversarialFixture : IAsyncLifetime, IDisposable
{
    public static readonly IPAddress Untrusted = IPAddress.Parse("127.0.0.9");
    public static readonly IPAddress Trusted = IPAddress.Parse("127.0.0.2");
    public static readonly IPAddress AdminClient = IPAddress.Parse("127.0.0.5");

    /// <summary>Names configured under EdgeProxy:RequestHeaders:AcceptFromTrustedProxies.</summary>
    public static readonly string[] AcceptedFromTrusted = ["X-Goog-Authenticated-User-Email", "CF-IPCountry", "X-Forwarded-Email"];

    /// <summary>Names configured under EdgeProxy:RequestHeaders:Strip.</summary>
    public static readonly string[] OperatorStrip = ["X-MyCorp-User", "X-Tenant-*"];

    private readonly TempDirectory _dir = new();
    private readonly ConcurrentDictionary<(IPAddress, bool), HttpClient> _clients = new();
    private TestSigningKey _key = null!;

    public TestUpstream Upstream { get; private set; } = null!;

    public TestIssuer Issuer { get; private set; } = null!;

    public ProxyInstance Proxy { get; private set; } = null!;

    public int Port => Proxy.HttpsPort;

    public string Token => TestTokens.Sign(_key, TestTokens.Claims(Issuer.Url));

    /// <summary>A pooled client whose connections leave from <paramref name="source"/>.</summary>
    public HttpClient Client(IPAddress source, bool http2) =>
        _clients.GetOrAdd((source, http2), key => SourceBoundClient.Create(key.Item1, IPAddress.Loopback, Port, http2: key.Item2));

    public async Task InitializeAsync()
    {
        _key = TestSigningKey.Rsa("adversarial");
        Upstream = await HeaderEchoUpstream.StartAsync();
        Issuer = await TestIssuer.StartAsync(0, _key);
        var config = new TestConfig(_dir.Path)
            .Set("EdgeProxy:TrustedProxies:Networks", new[] { Trusted.ToString() })
            .Set("EdgeProxy:RequestHeaders:Strip", OperatorStrip)
            .Set("EdgeProxy:RequestHeaders:AcceptFromTrustedProxies", AcceptedFromTrusted)
            .Set("EdgeProxy:Authorization:Policies:writers:Schemes", new[] { "test" })
            .Cluster("app", Upstream.Url)
            .Route("admin", "/admin/{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.AllowFrom"] = AdminClient.ToString() })
            .Route("raw", "/raw/{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.Path"] = "AsSent" })
            .Route("files", "/files/{id}", "app")
            .Route("api", "/api/{**rest}", "app")
            .Route("override", "/override/{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.MethodOverride"] = "Allow" })
            .Set("ReverseProxy:Routes:override:Match:Methods", new[] { "GET", "POST" })
            .Route("read", "{**all}", "app")
            .Set("ReverseProxy:Routes:read:Match:Methods", new[] { "GET", "HEAD" })
            .Route("write", "{**all}", "app", new Dictionary<string, string> { ["EdgeProxy.MethodOverride"] = "Allow" })
            .Set("ReverseProxy:Routes:write:Match:Methods", new[] { "POST", "PUT", "PATCH", "DELETE" })
            .Set("ReverseProxy:Routes:write:AuthorizationPolicy", "writers");
        AuthFixture.Configure(config, "test", Issuer.Url, Issuer.Url, _dir.Path);
        Proxy = await ProxyInstance.StartAsync(config, null);
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        await Proxy.DisposeAsync();
        await Issuer.DisposeAsync();
        await Upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync
}

[CollectionDefinition(Name)]
public sealed class AdversarialSuite : ICollectionFixture<AdversarialFixture>
{
    public const string Name = "Adversarial";
}
