using System.Text.Json;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Tls;

/// <summary>testssl.sh against the proxy running the shipped config/appsettings.json (about 25 s).</summary>
public sealed class TestsslTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [ToolFact("testssl")]
    public async Task ShippedDefaultConfig_HasNoHighOrCriticalFinding_ExceptSelfSignedTrust()
    {
        var shipped = Repo.Path("config", "appsettings.json");
        var logs = new LogSink(output);
        var app = Program.Build(
            new EdgeProxy.Configuration.CommandLine("run", shipped, [
                "Kestrel:Endpoints:Https:Url=https://127.0.0.1:0",
                "Kestrel:Endpoints:Http:Url=http://127.0.0.1:0",
                "EdgeProxy:Admin:Urls=http://127.0.0.1:0",
                $"EdgeProxy:DataPath={_dir.Combine("data")}",
                "EdgeProxy:Retries:TryDuration=0", // the demo upstream is not running: its 502 (testssl reads HSTS there) at once, not after waiting for it
            ]),
            Repo.Root,
            logger => logger.WriteTo.Sink(logs));
        await app.StartAsync();
        try
        {
            var port = app.Services.GetRequiredService<EdgeProxy.Tls.ListenerBinder>().HttpsPort!.Value;
            var json = _dir.Combine("testssl.json");
            var result = await ExternalTool.RunAsync(ExternalTool.Require("testssl"),
                ["--quiet", "--color", "0", "--nodns", "none", "--warnings", "batch", "--sneaky", "--ip", "127.0.0.1", "-p", "-S", "-P", "-h", "-U", "--jsonfile", json, $"https://localhost:{port}"],
                TimeSpan.FromMinutes(8)); // ~25 s idle; far longer on a loaded 2-core machine
            output.WriteLine(result.StdOut);

            var findings = JsonSerializer.Deserialize<List<TestsslFinding>>(await File.ReadAllTextAsync(json))!;
            findings.Should().Contain(f => f.Id == "TLS1_3" && f.Finding.StartsWith("offered"));
            findings.Should().Contain(f => f.Id == "TLS1_1" && f.Finding == "not offered");
            findings.Should().Contain(f => f.Id == "cert_chain_of_trust" && f.Finding.Contains("self signed"), "the shipped config serves the generated self-signed certificate");
            findings.Should().Contain(f => f.Id == "HSTS_time" && f.Finding.StartsWith("365 days (=31536000 seconds)"), "HSTS is owned by the proxy with the default max-age");

            // A self-signed certificate has no issuer that could publish a CRL or OCSP responder, so
            // testssl's "Neither CRL nor OCSP URI provided" is the same fact as the untrusted chain.
            var allowed = new HashSet<string> { "cert_chain_of_trust", "cert_revocation" };
            var serious = findings.Where(f => f.Severity is "HIGH" or "CRITICAL" && !allowed.Contains(f.Id)).ToList();
            serious.Should().BeEmpty(string.Join('\n', serious.Select(f => $"{f.Severity} {f.Id}: {f.Finding}")));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private sealed record TestsslFinding(
        [property: System.Text.Json.Serialization.JsonPropertyName("id")] string Id,
        [property: System.Text.Json.Serialization.JsonPropertyName("severity")] string Severity,
        [property: System.Text.Json.Serialization.JsonPropertyName("finding")] string Finding);
}
