using System.Collections.Immutable;
using System.Net;
using System.Text.Json.Nodes;
using EdgeProxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.Tests.Authentication;

/// <summary>
/// A real OpenID Connect issuer on https://127.0.0.1 (a test-PKI certificate): discovery and a JWKS of keys made
/// in the test, which the test can rotate while the proxy runs. Discovery is also served at
/// <c>/internal/.well-known/openid-configuration</c> naming <see cref="PublicIssuer"/>, the way an issuer looks
/// from inside a cluster when tokens carry its public URL.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    public const string PublicIssuer = "https://id.example.test/realms/edge";

    private WebApplication _app = null!;
    private ImmutableList<TestSigningKey> _keys;
    private int _jwksHits;
    private int _discoveryHits;

    private TestIssuer(IEnumerable<TestSigningKey> keys) => _keys = [.. keys];

    /// <summary>The direct issuer URL: discovery's <c>issuer</c> and the tokens' <c>iss</c>.</summary>
    public string Url { get; private set; } = string.Empty;

    public string InternalMetadataAddress => Url + "internal/.well-known/openid-configuration";

    public int JwksHits => Volatile.Read(ref _jwksHits);

    public int DiscoveryHits => Volatile.Read(ref _discoveryHits);

    /// <summary>While true, discovery works and the JWKS answers 500: half an outage.</summary>
    public bool JwksFailing { get; set; }

    public static async Task<TestIssuer> StartAsync(int port = 0, params TestSigningKey[] keys)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        var certificate = TestPki.Instance.IssueServer("issuer", ["127.0.0.1", "localhost"]);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            ServerCertificateChain = [TestPki.Instance.Intermediate],
        })));
        var app = builder.Build();
        var issuer = new TestIssuer(keys) { _app = app };
        app.MapGet("/.well-known/openid-configuration", () => issuer.Discovery(issuer.Url));
        app.MapGet("/internal/.well-known/openid-configuration", () => issuer.Discovery(PublicIssuer));
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref issuer._jwksHits);
            if (issuer.JwksFailing)
            {
                return Results.StatusCode(500);
            }

            return Results.Text(new JsonObject { ["keys"] = new JsonArray([.. issuer._keys.Select(k => (JsonNode)k.Jwk())]) }.ToJsonString(), "application/json");
        });
        await app.StartAsync();
        issuer.Url = $"https://127.0.0.1:{new Uri(app.Urls.First()).Port}/";
        return issuer;
    }

    /// <summary>Key rotation: the JWKS now lists exactly these keys.</summary>
    public void Publish(params TestSigningKey[] keys) => _keys = [.. keys];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(TimeSpan.FromSeconds(5));
        await _app.DisposeAsync();
    }

    private IResult Discovery(string issuer)
    {
        Interlocked.Increment(ref _discoveryHits);
        var document = new JsonObject
        {
            ["issuer"] = issuer,
            ["jwks_uri"] = Url + "jwks",
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256", "ES256"),
            ["response_types_supported"] = new JsonArray("code"),
            ["subject_types_supported"] = new JsonArray("public"),
        };
        return Results.Text(document.ToJsonString(), "application/json");
    }
}
