using EdgeProxy.ClientCertificates.Revocation;
using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ClientCertificates.Revocation;

public sealed class RevocationCheckerTests(ITestOutputHelper output) : IDisposable
{
    private static readonly RevocationPki Pki = RevocationPki.Instance;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();
    private readonly RecordingLoggerFactory _logs = new(output);

    [Fact]
    public async Task None_NotChecked()
    {
        using var checker = Create(RevocationMode.None, [], null);

        (await checker.CheckAsync(RevocationPki.IssueLeaf(Pki.Intermediate, "x"), Pki.Intermediate, default)).Should().Be(RevocationResult.NotChecked);
        checker.Crls.Should().BeNull();
        checker.Ocsp.Should().BeNull();
    }

    [Fact]
    public async Task Crl_WithoutCrlForIssuer_IsUnknown()
    {
        using var checker = Create(RevocationMode.Crl, [CrlFile(RevocationPki.BuildCrl(Pki.Intermediate, []))], null);

        (await checker.CheckAsync(RevocationPki.IssueLeaf(Pki.IntermediateRsa, "x"), Pki.IntermediateRsa, default))
            .Should().Be(new RevocationResult(RevocationStatus.Unknown, "no crl for issuer"));
    }

    [ToolFact("openssl")]
    public async Task CrlOrOcsp_UsesCrlWhenLoadedForIssuerElseOcsp()
    {
        var crlRevoked = RevocationPki.IssueLeaf(Pki.Intermediate, "in crl");
        var ocspRevoked = RevocationPki.IssueLeaf(Pki.IntermediateRsa, "in ocsp");
        await using var responder = await new OpenSslOcspResponder(Pki.IntermediateRsa, Pki.IntermediateRsa).Revoked(ocspRevoked).StartAsync();
        using var checker = Create(RevocationMode.CrlOrOcsp, [CrlFile(RevocationPki.BuildCrl(Pki.Intermediate, [crlRevoked]))], responder.Url);

        (await checker.CheckAsync(crlRevoked, Pki.Intermediate, default).AsTask().WaitAsync(Timeout)).Reason.Should().Be("revoked (crl)");
        (await checker.CheckAsync(RevocationPki.IssueLeaf(Pki.Intermediate, "good"), Pki.Intermediate, default).AsTask().WaitAsync(Timeout)).Reason.Should().Be("good (crl)");
        (await checker.CheckAsync(ocspRevoked, Pki.IntermediateRsa, default).AsTask().WaitAsync(Timeout)).Reason.Should().Be("revoked (ocsp)");
        responder.Requests.Should().Be(1, "the CRL answered for its issuer");
    }

    [Fact]
    public async Task CallerCancellation_Propagates()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        using var checker = Create(RevocationMode.Ocsp, [], new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}/"));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var check = async () => await checker.CheckAsync(RevocationPki.IssueLeaf(Pki.Intermediate, "x"), Pki.Intermediate, cts.Token);

        await check.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task Registration_BindsOptionsAndResolvesCrlPathsAgainstContentRoot()
    {
        var revoked = RevocationPki.IssueLeaf(Pki.Intermediate, "registered");
        File.WriteAllText(_dir.Combine("ca.crl"), RevocationPki.Pem(RevocationPki.BuildCrl(Pki.Intermediate, [revoked])));
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = _dir.Path });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EdgeProxy:ClientCertificates:Revocation"] = "crl",
            ["EdgeProxy:ClientCertificates:CrlFiles:0"] = "ca.crl",
            ["EdgeProxy:ClientCertificates:Ocsp:Timeout"] = "2s",
        });
        builder.Services.AddEdgeProxyOptions(builder.Configuration, new ConfigContext(_dir.Path, () => [])).AddRevocationChecking();
        await using var app = builder.Build();

        var checker = app.Services.GetRequiredService<IRevocationChecker>();

        checker.Should().BeSameAs(app.Services.GetRequiredService<IRevocationChecker>());
        (await checker.CheckAsync(revoked, Pki.Intermediate, default)).Status.Should().Be(RevocationStatus.Revoked);
    }

    public void Dispose() => _dir.Dispose();

    private string CrlFile(byte[] der)
    {
        var path = _dir.Combine(Guid.NewGuid().ToString("N") + ".crl");
        File.WriteAllBytes(path, der);
        return path;
    }

    private RevocationChecker Create(RevocationMode mode, string[] crlFiles, Uri? ocspUrl) => RevocationChecker.Create(
        new RevocationSettings(mode, crlFiles, TimeSpan.FromSeconds(30), ocspUrl, TimeSpan.FromSeconds(5), false, TimeSpan.FromHours(1)),
        TimeProvider.System,
        _logs);
}
