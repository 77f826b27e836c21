using System.Diagnostics;
using EdgeProxy.Acme;
using EdgeProxy.Authentication;
using EdgeProxy.ClientCertificates.Revocation;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Tls;

/// <summary>
/// Every TLS client EdgeProxy has besides YARP's (whose case <c>InlineCompletionsStallTests</c> covers through a real
/// process) refuses a server that left its intermediate out at once, and never contacts the AIA URL to fetch it: such
/// a download blocks the thread inside the handshake for up to 15 s (on an I/O thread, with inline completions).
/// </summary>
public sealed class OutboundTlsTests : IAsyncLifetime, IDisposable
{
    private readonly IncompleteChainServer _server = IncompleteChainServer.Start();
    private readonly TempDirectory _dir = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task JwtIssuerBackchannel_WithOrWithoutCaBundle(bool caBundle)
    {
        var settings = new JwtSchemeOptions { CaBundle = caBundle ? TestPki.Instance.WriteRootPem(Path.Combine(_dir.Path, "ca")) : null };
        using var client = new HttpClient(IssuerBackchannel.CreateHandler(settings, _dir.Path));

        await RefusedWithoutDownloadAsync(client);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AcmeClient_WithOrWithoutCaBundle(bool caBundle)
    {
        using var client = AcmeHttp.CreateClient(caBundle ? TestPki.Instance.WriteRootPem(Path.Combine(_dir.Path, "ca")) : null, TimeSpan.FromSeconds(30));

        await RefusedWithoutDownloadAsync(client);
    }

    [Fact]
    public async Task OcspClient_ForAnHttpsResponder()
    {
        using var client = RevocationChecker.CreateOcspHttpClient(
            new RevocationSettings(RevocationMode.Ocsp, [], TimeSpan.Zero, null, TimeSpan.FromSeconds(30), false, TimeSpan.FromHours(1)));

        await RefusedWithoutDownloadAsync(client);
    }

    private async Task RefusedWithoutDownloadAsync(HttpClient client)
    {
        var clock = Stopwatch.StartNew();
        var send = () => client.GetAsync(_server.Url);

        (await send.Should().ThrowAsync<HttpRequestException>()).WithInnerException<System.Security.Authentication.AuthenticationException>();
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "refused at once, not after a download attempt");
        _server.AiaConnections.Should().Be(0, "the missing issuer is never fetched");
    }
}
