using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.ClientCertificates.Revocation;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ClientCertificates.Revocation;

/// <summary>OCSP against openssl's responder (see <see cref="OpenSslOcspResponder"/>), through the checker as wired in production.</summary>
public sealed class OcspClientTests(ITestOutputHelper output) : IDisposable
{
    private static readonly RevocationPki Pki = RevocationPki.Instance;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly RecordingLoggerFactory _logs = new(output);

    public void Dispose() => _logs.Dispose();

    [ToolTheory("openssl")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GoodAndRevoked_AsTheResponderSays(bool rsaIssuer)
    {
        var issuer = rsaIssuer ? Pki.IntermediateRsa : Pki.Intermediate;
        await using var responder = new OpenSslOcspResponder(issuer, issuer, "-nmin", "5");
        var good = RevocationPki.IssueLeaf(issuer, "good");
        var revoked = RevocationPki.IssueLeaf(issuer, "revoked");
        await responder.Valid(good).Revoked(revoked).StartAsync();
        using var checker = Checker(responder.Url);

        (await Check(checker, good, issuer)).Should().Be(new RevocationResult(RevocationStatus.Good, "good (ocsp)"));
        (await Check(checker, revoked, issuer)).Should().Be(new RevocationResult(RevocationStatus.Revoked, "revoked (ocsp)"));
        _logs.WithId(EventIds.CertificateRevoked).Should().ContainSingle();
    }

    [ToolFact("openssl")]
    public async Task ResponderFromCertificateAia_IsAsked()
    {
        await using var responder = await new OpenSslOcspResponder(Pki.Intermediate, Pki.Intermediate).StartAsync();
        var revoked = RevocationPki.IssueLeaf(Pki.Intermediate, "aia live", responder.Url.ToString());
        var orphan = RevocationPki.IssueLeaf(Pki.Intermediate, "aia dead", ClosedPortUrl().ToString());
        responder.Revoked(revoked);
        using var checker = Checker(overrideUrl: null);

        (await Check(checker, revoked, Pki.Intermediate)).Status.Should().Be(RevocationStatus.Revoked);
        (await Check(checker, orphan, Pki.Intermediate)).Reason.Should().Be("ocsp unreachable");
        responder.Requests.Should().Be(1);
    }

    [ToolFact("openssl")]
    public async Task OverrideUrl_WinsOverAia()
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "aia dead", ClosedPortUrl().ToString());
        await using var responder = await new OpenSslOcspResponder(Pki.Intermediate, Pki.Intermediate).Revoked(leaf).StartAsync();
        using var checker = Checker(responder.Url);

        (await Check(checker, leaf, Pki.Intermediate)).Status.Should().Be(RevocationStatus.Revoked);
    }

    [ToolFact("openssl")]
    public async Task UnknownSerial_IsUnknown()
    {
        await using var responder = await new OpenSslOcspResponder(Pki.Intermediate, Pki.Intermediate).StartAsync();
        using var checker = Checker(responder.Url);

        (await Check(checker, RevocationPki.IssueLeaf(Pki.Intermediate, "not in index"), Pki.Intermediate))
            .Should().Be(new RevocationResult(RevocationStatus.Unknown, "ocsp status unknown"));
    }

    [ToolFact("openssl")]
    public async Task DelegatedResponder_WithOcspSigningEku_IsTrusted()
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "delegated");
        await using var responder = await new OpenSslOcspResponder(Pki.Intermediate, Pki.OcspResponder).Revoked(leaf).StartAsync();
        using var checker = Checker(responder.Url);

        (await Check(checker, leaf, Pki.Intermediate)).Status.Should().Be(RevocationStatus.Revoked);
    }

    [ToolFact("openssl")]
    public async Task ResponderWithoutOcspSigningEku_IsNotAuthorized()
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "forged");
        await using var responder = await new OpenSslOcspResponder(Pki.Intermediate, Pki.NotAResponder).Valid(leaf).StartAsync();
        using var checker = Checker(responder.Url);

        (await Check(checker, leaf, Pki.Intermediate)).Should().Be(new RevocationResult(RevocationStatus.Unknown, "ocsp responder not authorized"));
    }

    [ToolFact("openssl")]
    public async Task ResponderOfAnotherCa_IsNotAuthorized()
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "other ca answers");
        await using var responder = await new OpenSslOcspResponder(Pki.Intermediate, Pki.IntermediateRsa).Valid(leaf).StartAsync();
        using var checker = Checker(responder.Url);

        (await Check(checker, leaf, Pki.Intermediate)).Status.Should().Be(RevocationStatus.Unknown);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unreachable_UnknownOrSoftFail(bool softFail)
    {
        using var checker = Checker(ClosedPortUrl(), softFail: softFail);

        var result = await Check(checker, RevocationPki.IssueLeaf(Pki.Intermediate, "x"), Pki.Intermediate);

        result.Should().Be(softFail
            ? new RevocationResult(RevocationStatus.Good, "ocsp unreachable (soft-fail)")
            : new RevocationResult(RevocationStatus.Unknown, "ocsp unreachable"));
        _logs.WithId(softFail ? EventIds.OcspSoftFail : EventIds.OcspNoAnswer).Should().ContainSingle();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SilentResponder_TimesOut(bool softFail)
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var checker = Checker(new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/"), softFail: softFail, timeout: TimeSpan.FromMilliseconds(500));
        var started = DateTime.UtcNow;

        var result = await Check(checker, RevocationPki.IssueLeaf(Pki.Intermediate, "x"), Pki.Intermediate);

        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(5));
        result.Should().Be(softFail
            ? new RevocationResult(RevocationStatus.Good, "ocsp unreachable (soft-fail)")
            : new RevocationResult(RevocationStatus.Unknown, "ocsp timeout"));
    }

    [ToolFact("openssl")]
    public async Task Answer_IsCachedUntilNextUpdate()
    {
        var time = new ManualTime();
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "cached");
        await using var responder = await new OpenSslOcspResponder(Pki.Intermediate, Pki.Intermediate, "-nmin", "5").Revoked(leaf).StartAsync();
        using var checker = Checker(responder.Url, time: time);

        (await Check(checker, leaf, Pki.Intermediate)).Status.Should().Be(RevocationStatus.Revoked);
        await responder.StopAsync();

        (await Check(checker, leaf, Pki.Intermediate)).Status.Should().Be(RevocationStatus.Revoked, "the answer is reused without asking");
        responder.Requests.Should().Be(1);

        time.Now = time.Now.AddMinutes(6);
        (await Check(checker, leaf, Pki.Intermediate)).Reason.Should().Be("ocsp unreachable", "past nextUpdate the responder must be asked again");
    }

    [ToolFact("openssl")]
    public async Task CacheMaxAge_CapsALongNextUpdate()
    {
        var time = new ManualTime();
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "capped");
        await using var responder = await new OpenSslOcspResponder(Pki.Intermediate, Pki.Intermediate, "-ndays", "1").Valid(leaf).StartAsync();
        using var checker = Checker(responder.Url, time: time, cacheMaxAge: TimeSpan.FromMinutes(10));

        (await Check(checker, leaf, Pki.Intermediate)).Status.Should().Be(RevocationStatus.Good);
        await responder.StopAsync();
        time.Now = time.Now.AddMinutes(9);
        (await Check(checker, leaf, Pki.Intermediate)).Status.Should().Be(RevocationStatus.Good);
        time.Now = time.Now.AddMinutes(2);

        (await Check(checker, leaf, Pki.Intermediate)).Reason.Should().Be("ocsp unreachable");
    }

    [ToolFact("openssl")]
    public async Task AnswerWithoutNextUpdate_IsNotCached()
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "uncached");
        await using var responder = await new OpenSslOcspResponder(Pki.Intermediate, Pki.Intermediate).Valid(leaf).StartAsync();
        using var checker = Checker(responder.Url);

        await Check(checker, leaf, Pki.Intermediate);
        (await Check(checker, leaf, Pki.Intermediate)).Status.Should().Be(RevocationStatus.Good);

        responder.Requests.Should().Be(2);
    }

    [ToolFact("openssl")]
    public async Task SimultaneousChecksOfOneCertificate_ShareOneRequest()
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "burst");
        await using var responder = await new OpenSslOcspResponder(Pki.Intermediate, Pki.Intermediate).Valid(leaf).StartAsync();
        using var checker = Checker(responder.Url);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Check(checker, leaf, Pki.Intermediate)));

        results.Should().OnlyContain(r => r.Status == RevocationStatus.Good);
        responder.Requests.Should().Be(1, "the answer has no nextUpdate, so only sharing the in-flight request explains one request");
    }

    [Fact]
    public async Task NoResponderAnywhere_IsUnknown()
    {
        using var checker = Checker(overrideUrl: null);

        (await Check(checker, RevocationPki.IssueLeaf(Pki.Intermediate, "no aia"), Pki.Intermediate))
            .Should().Be(new RevocationResult(RevocationStatus.Unknown, "no ocsp responder"));
    }

    internal static Uri ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    private static async Task<RevocationResult> Check(RevocationChecker checker, X509Certificate2 leaf, X509Certificate2 issuer) =>
        await checker.CheckAsync(leaf, issuer, CancellationToken.None).AsTask().WaitAsync(Timeout);

    private RevocationChecker Checker(Uri? overrideUrl, bool softFail = false, TimeSpan? timeout = null, TimeProvider? time = null, TimeSpan? cacheMaxAge = null) =>
        RevocationChecker.Create(
            new RevocationSettings(RevocationMode.Ocsp, [], TimeSpan.FromSeconds(30), overrideUrl, timeout ?? TimeSpan.FromSeconds(5), softFail, cacheMaxAge ?? TimeSpan.FromHours(1)),
            time ?? TimeProvider.System,
            _logs);
}
