using EdgeProxy.ClientCertificates.Revocation;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ClientCertificates.Revocation;

/// <summary>The per-certificate revocation verdicts: when one is reused, when it must not be, and that the cache stays bounded.</summary>
public sealed class RevocationVerdictCacheTests(ITestOutputHelper output) : IDisposable
{
    private static readonly RevocationPki Pki = RevocationPki.Instance;
    private static readonly RevocationResult Good = new(RevocationStatus.Good, "good");
    private readonly TempDirectory _dir = new();
    private readonly RecordingLoggerFactory _logs = new(output);

    public void Dispose() => _dir.Dispose();

    /// <summary>Stored under generation 1 (until, in minutes from now, or null for a CRL verdict); read after the clock moved and with a generation.</summary>
    public static readonly TheoryData<string, int?, int, long, bool> Reuse = new()
    {
        { "crl verdict, same crls", null, 0, 1, true },
        { "crl verdict, hours later, same crls", null, 600, 1, true },
        { "crl verdict, crls reloaded", null, 0, 2, false },
        { "ocsp answer before nextUpdate", 5, 4, 1, true },
        { "ocsp answer at nextUpdate", 5, 5, 1, false },
        { "ocsp answer past nextUpdate", 5, 6, 1, false },
        { "ocsp answer, crls reloaded (CrlOrOcsp: a new crl may now name the issuer)", 5, 0, 2, false },
        { "ocsp answer already expired when stored", 0, 0, 1, false },
    };

    [Theory]
    [MemberData(nameof(Reuse))]
    public void Verdict_IsReusedOnlyWhileCurrent(string because, int? untilMinutes, int laterMinutes, long generation, bool reused)
    {
        var time = new ManualTime();
        var cache = new RevocationVerdictCache(time);
        cache.Set("k", Good, crlGeneration: 1, untilMinutes is { } m ? time.Now.AddMinutes(m) : null);
        time.Now = time.Now.AddMinutes(laterMinutes);

        var hit = cache.Get("k", generation);

        (hit is not null).Should().Be(reused, because);
        if (!reused)
        {
            cache.Count.Should().Be(0, "a verdict that is no longer current is dropped, not kept");
        }
    }

    [Fact]
    public void Full_DropsWhatIsNoLongerCurrentFirst_AndNeverGrowsPastCapacity()
    {
        var time = new ManualTime();
        var cache = new RevocationVerdictCache(time, capacity: 4);
        cache.Set("stale-1", Good, 1, time.Now.AddMinutes(1));
        cache.Set("stale-2", Good, 1, time.Now.AddMinutes(1));
        cache.Set("fresh-1", Good, 1, null);
        cache.Set("fresh-2", Good, 1, time.Now.AddHours(1));
        time.Now = time.Now.AddMinutes(2);

        cache.Set("new", Good, 1, null);

        cache.Get("fresh-1", 1).Should().NotBeNull();
        cache.Get("fresh-2", 1).Should().NotBeNull();
        cache.Get("new", 1).Should().NotBeNull();
        cache.Count.Should().Be(3);

        for (var i = 0; i < 100; i++)
        {
            cache.Set("flood-" + i, Good, 1, null);
            cache.Count.Should().BeLessThanOrEqualTo(4);
        }
    }

    [Fact]
    public async Task Checker_CrlVerdictIsSynchronousAndCached_UntilTheCrlIsReloaded()
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "cached then revoked");
        var crl = _dir.Combine("ca.crl");
        await File.WriteAllBytesAsync(crl, RevocationPki.BuildCrl(Pki.Intermediate, [], crlNumber: 1));
        using var checker = RevocationChecker.Create(
            new RevocationSettings(RevocationMode.Crl, [crl], TimeSpan.Zero, null, TimeSpan.FromSeconds(5), false, TimeSpan.FromHours(1)), TimeProvider.System, _logs);

        var first = checker.CheckAsync(leaf, Pki.Intermediate, default);
        first.IsCompletedSuccessfully.Should().BeTrue("a CRL verdict comes from memory, inside the handshake");
        (await first).Status.Should().Be(RevocationStatus.Good);
        checker.Verdicts.Count.Should().Be(1);

        await File.WriteAllBytesAsync(crl + ".new", RevocationPki.BuildCrl(Pki.Intermediate, [leaf], crlNumber: 2));
        File.Move(crl + ".new", crl, overwrite: true);
        (await checker.CheckAsync(leaf, Pki.Intermediate, default)).Status.Should().Be(RevocationStatus.Good, "nothing reloaded the file yet: the cached verdict stands");
        checker.Crls!.ReloadIfChanged();

        (await checker.CheckAsync(leaf, Pki.Intermediate, default)).Status.Should().Be(RevocationStatus.Revoked, "the reload invalidated the cached verdict");
    }

    [ToolFact("openssl")]
    public async Task Checker_OcspAnswerIsCachedPerCertificate_AndThenSynchronous_UnreachableIsNot()
    {
        var time = new ManualTime();
        var good = RevocationPki.IssueLeaf(Pki.Intermediate, "ocsp cached");
        await using var responder = await new OpenSslOcspResponder(Pki.Intermediate, Pki.Intermediate, "-nmin", "5").Valid(good).StartAsync();
        using var checker = RevocationChecker.Create(
            new RevocationSettings(RevocationMode.Ocsp, [], TimeSpan.Zero, responder.Url, TimeSpan.FromSeconds(5), false, TimeSpan.FromHours(1)), time, _logs);

        var first = checker.CheckAsync(good, Pki.Intermediate, default);
        first.IsCompleted.Should().BeFalse("the first answer needs the responder");
        (await first.AsTask().WaitAsync(TimeSpan.FromSeconds(20))).Status.Should().Be(RevocationStatus.Good);
        var second = checker.CheckAsync(good, Pki.Intermediate, default);
        second.IsCompletedSuccessfully.Should().BeTrue("the cached answer is synchronous");
        responder.Requests.Should().Be(1);

        await responder.StopAsync();
        time.Now = time.Now.AddMinutes(6);
        (await checker.CheckAsync(good, Pki.Intermediate, default).AsTask().WaitAsync(TimeSpan.FromSeconds(20))).Reason.Should().Be("ocsp unreachable", "past nextUpdate the responder is asked again");
        checker.Verdicts.Get(RevocationVerdictCache.KeyFor(good), 0).Should().BeNull("an unreachable responder's result is never reused");
    }
}
