using System.Collections.Concurrent;
using System.Text.Json;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Authentication;

/// <summary>
/// One issuer, one upstream that reports what it received, and one proxy with a route per policy. Each test uses
/// its own path, so "never reached the upstream" is checked per request.
/// </summary>
public sealed class AuthFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();

    public TestSigningKey Key { get; } = TestSigningKey.Rsa("rsa-1");

    public TestSigningKey EcKey { get; } = TestSigningKey.Ec("ec-1");

    public TestIssuer Issuer { get; private set; } = null!;

    public TestUpstream Upstream { get; private set; } = null!;

    public ProxyInstance Proxy { get; private set; } = null!;

    /// <summary>Path → headers the upstream received.</summary>
    public ConcurrentDictionary<string, Dictionary<string, string>> Received { get; } = new();

    public async Task InitializeAsync()
    {
        Issuer = await TestIssuer.StartAsync(0, Key, EcKey);
        Upstream = await TestUpstream.StartAsync(app => app.MapFallback(context =>
        {
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            Received[context.Request.Path.Value!] = headers;
            return context.Response.WriteAsync(JsonSerializer.Serialize(headers));
        }));
        var config = new TestConfig(_dir.Path);
        Configure(config, "test", Issuer.Url, Issuer.Url, _dir.Path);
        Configure(config, "internal", TestIssuer.PublicIssuer, Issuer.InternalMetadataAddress, _dir.Path);
        config
            .Set("EdgeProxy:Hsts:MaxAge", "600")
            .Set("EdgeProxy:Authorization:DefaultPolicy", "token")
            .Set("EdgeProxy:Authorization:Policies:token:Schemes", new[] { "test" })
            .Set("EdgeProxy:Authorization:Policies:writer:Scopes", new[] { "stac:write" })
            .Set("EdgeProxy:Authorization:Policies:admin:Roles", new[] { "admin" })
            .Set("EdgeProxy:Authorization:Policies:verified:Claims:email_verified", new[] { "true" })
            .Set("EdgeProxy:Authorization:Policies:public-issuer:Schemes", new[] { "internal" })
            .Cluster("app", Upstream.Url);
        Route(config, "open", "/open/{**rest}", "Anonymous", ("EdgeProxy.IdentityHeaders", "true"));
        Route(config, "defaulted", "/defaulted/{**rest}", null, ("EdgeProxy.IdentityHeaders", "true"));
        Route(config, "any", "/any/{**rest}", "Default", ("EdgeProxy.IdentityHeaders", "true"));
        Route(config, "writer", "/writer/{**rest}", "writer");
        Route(config, "admin", "/admin/{**rest}", "admin");
        Route(config, "verified", "/verified/{**rest}", "verified");
        Route(config, "strip", "/strip/{**rest}", "token", ("EdgeProxy.AuthorizationHeader", "Strip"));
        Route(config, "public-issuer", "/public-issuer/{**rest}", "public-issuer");
        Route(config, "items-read", "/items/{**rest}", "Anonymous").Set("ReverseProxy:Routes:items-read:Match:Methods", new[] { "GET", "HEAD" });
        Route(config, "items-write", "/items/{**rest}", "token").Set("ReverseProxy:Routes:items-write:Match:Methods", new[] { "POST", "PUT", "PATCH", "DELETE" });
        Proxy = await ProxyInstance.StartAsync(config, null);
    }

    /// <summary>A scheme trusting the test PKI's root only, refreshing keys at most once a second.</summary>
    public static void Configure(TestConfig config, string scheme, string authority, string? metadata, string directory)
    {
        var prefix = $"EdgeProxy:Authentication:Jwt:{scheme}:";
        config.Set(prefix + "Authority", authority)
            .Set(prefix + "Audiences", new[] { TestTokens.Audience })
            .Set(prefix + "CaBundle", TestPki.Instance.WriteRootPem(Path.Combine(directory, "issuer-ca")))
            .Set(prefix + "RefreshInterval", "1s");
        if (metadata is not null && metadata != authority)
        {
            config.Set(prefix + "MetadataAddress", metadata);
        }
    }

    public static TestConfig Route(TestConfig config, string id, string path, string? policy, params (string Key, string Value)[] metadata)
    {
        config.Route(id, path, "app", metadata.Length > 0 ? metadata.ToDictionary(m => m.Key, m => m.Value) : null);
        if (policy is not null)
        {
            config.Set($"ReverseProxy:Routes:{id}:AuthorizationPolicy", policy);
        }

        return config;
    }

    public async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
        await Issuer.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync
}
