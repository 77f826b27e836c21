using System.Globalization;
using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Acme;

/// <summary><c>/readyz</c> lists every ACME name's certificate and trouble, and ACME trouble never makes the proxy unready.</summary>
public sealed class AcmeReadinessTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task CaUnreachable_ReadyzStays200_AndSaysWhichCertificateEachNameGetsAndWhy()
    {
        var closed = TestClients.FreePort();
        await using var proxy = await UnreachableCa.StartProxyAsync(_dir, closed, output);
        using var admin = proxy.CreatePlainClient(proxy.AdminPort);

        using var response = await admin.GetAsync("/readyz");
        var lines = (await response.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');

        response.StatusCode.Should().Be(HttpStatusCode.OK, "a CA that cannot be reached does not stop the proxy serving");
        lines.Should().HaveCount(3);
        lines[0].Should().Be("ready", "the first line stays the status word probes read");
        lines[1].Should().StartWith("acme api.edgeproxy.test: failing; serving self-signed fallback; 1 failed attempt(s), last: HttpRequestException: ")
            .And.Contain($"127.0.0.1:{closed}");
        var retryAt = DateTimeOffset.ParseExact(lines[1][(lines[1].LastIndexOf("; next attempt ", StringComparison.Ordinal) + 15)..],
            "yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        retryAt.Should().BeCloseTo(DateTimeOffset.UtcNow.AddMinutes(1), TimeSpan.FromSeconds(30), "the first retry is a minute later");
        lines[2].Should().Be("acme files.edgeproxy.test: file certificate; serving the file certificate Kestrel:Endpoints:Https:Sni:files.edgeproxy.test:Certificate");
        (await TlsProbe.HandshakeAsync(proxy.HttpsPort, "api.edgeproxy.test")).Leaf.Subject.Should().Contain("EdgeProxy self-signed");
    }

    public void Dispose() => _dir.Dispose();
}
