using EdgeProxy.ClientCertificates.Revocation;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ClientCertificates.Revocation;

public sealed class CrlStoreTests(ITestOutputHelper output) : IDisposable
{
    private static readonly RevocationPki Pki = RevocationPki.Instance;
    private readonly TempDirectory _dir = new();
    private readonly RecordingLoggerFactory _logs = new(output);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PemOrDer_RevokedRefusedOthersGood(bool pem)
    {
        var revoked = RevocationPki.IssueLeaf(Pki.Intermediate, "revoked");
        var good = RevocationPki.IssueLeaf(Pki.Intermediate, "good");
        using var store = Store(Write("ca.crl", RevocationPki.BuildCrl(Pki.Intermediate, [revoked]), pem));

        store.Check(revoked, Pki.Intermediate).Should().Be(new RevocationResult(RevocationStatus.Revoked, "revoked (crl)"));
        store.Check(good, Pki.Intermediate).Should().Be(new RevocationResult(RevocationStatus.Good, "good (crl)"));
        store.Check(RevocationPki.IssueLeaf(Pki.IntermediateRsa, "other ca"), Pki.IntermediateRsa).Should().BeNull("no CRL names that issuer");
    }

    [Fact]
    public void FileReplacedWhileRunning_NewlyRevokedRefusedOnNextCheck()
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "soon revoked");
        var path = Write("ca.crl", RevocationPki.BuildCrl(Pki.Intermediate, []), pem: true);
        using var store = Store(path);
        store.Check(leaf, Pki.Intermediate)!.Status.Should().Be(RevocationStatus.Good);

        Replace(path, RevocationPki.Pem(RevocationPki.BuildCrl(Pki.Intermediate, [leaf], crlNumber: 2)));
        store.ReloadIfChanged();

        store.Check(leaf, Pki.Intermediate)!.Status.Should().Be(RevocationStatus.Revoked);
        _logs.WithId(EventIds.CrlLoaded).Should().HaveCount(2);
    }

    [Fact]
    public async Task Poller_PicksUpReplacementWithoutBeingAsked()
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "polled");
        var path = Write("ca.crl", RevocationPki.BuildCrl(Pki.Intermediate, []), pem: false);
        using var store = new CrlStore([path], TimeSpan.FromMilliseconds(100), TimeProvider.System, _logs.CreateLogger<CrlStore>());

        Replace(path, RevocationPki.BuildCrl(Pki.Intermediate, [leaf], crlNumber: 2));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (store.Check(leaf, Pki.Intermediate)!.Status != RevocationStatus.Revoked && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        store.Check(leaf, Pki.Intermediate)!.Status.Should().Be(RevocationStatus.Revoked);
    }

    [Fact]
    public void BrokenReplacement_KeepsOldCrlAndLogsOnce()
    {
        var revoked = RevocationPki.IssueLeaf(Pki.Intermediate, "revoked");
        var path = Write("ca.crl", RevocationPki.BuildCrl(Pki.Intermediate, [revoked]), pem: true);
        using var store = Store(path);

        var der = RevocationPki.BuildCrl(Pki.Intermediate, []);
        Replace(path, der[..(der.Length / 2)]);
        store.ReloadIfChanged();
        store.ReloadIfChanged();

        store.Check(revoked, Pki.Intermediate)!.Status.Should().Be(RevocationStatus.Revoked, "the previous CRL stays in force");
        var failure = _logs.WithId(EventIds.CrlLoadFailed).Should().ContainSingle().Subject;
        failure.Level.Should().Be(LogLevel.Error);
        failure.Message.Should().Contain("CrlFiles:0").And.Contain("keeping the previous CRL").And.Contain("malformed DER");
    }

    [Fact]
    public void MissingFileAtStart_LogsAndHasNoCrl()
    {
        using var store = Store(_dir.Combine("absent.crl"));

        store.Check(RevocationPki.IssueLeaf(Pki.Intermediate, "x"), Pki.Intermediate).Should().BeNull();
        _logs.WithId(EventIds.CrlLoadFailed).Should().ContainSingle().Which.Message.Should().Contain("no CRL from this file");
    }

    [Fact]
    public void PastNextUpdate_StillUsedAndWarnedOncePerVersion()
    {
        var revoked = RevocationPki.IssueLeaf(Pki.Intermediate, "revoked");
        var path = Write("stale.crl", RevocationPki.BuildCrl(Pki.Intermediate, [revoked], nextUpdate: DateTimeOffset.UtcNow.AddDays(-1), thisUpdate: DateTimeOffset.UtcNow.AddDays(-8)), pem: true);
        using var store = Store(path);

        store.Check(revoked, Pki.Intermediate)!.Status.Should().Be(RevocationStatus.Revoked);
        store.Check(RevocationPki.IssueLeaf(Pki.Intermediate, "good"), Pki.Intermediate).Should().Be(new RevocationResult(RevocationStatus.Good, "good (crl past nextupdate)"));
        store.ReloadIfChanged();

        var warning = _logs.WithId(EventIds.CrlStale).Should().ContainSingle().Subject;
        warning.Level.Should().Be(LogLevel.Warning);
        warning.Message.Should().Contain(path).And.Contain("past its nextUpdate");
    }

    [Fact]
    public void NextUpdatePassesWhileRunning_WarnsAtRuntime()
    {
        var time = new ManualTime();
        using var store = new CrlStore([Write("ca.crl", RevocationPki.BuildCrl(Pki.Intermediate, [], nextUpdate: time.Now.AddHours(1)), pem: true)], TimeSpan.Zero, time, _logs.CreateLogger<CrlStore>());
        _logs.WithId(EventIds.CrlStale).Should().BeEmpty();

        time.Now = time.Now.AddHours(2);
        store.ReloadIfChanged();

        _logs.WithId(EventIds.CrlStale).Should().ContainSingle();
    }

    [Fact]
    public void BadSignature_IsUnknownAndLogged()
    {
        var der = RevocationPki.BuildCrl(Pki.Intermediate, []);
        der[^3] ^= 0xFF;
        using var store = Store(Write("forged.crl", der, pem: false));

        store.Check(RevocationPki.IssueLeaf(Pki.Intermediate, "x"), Pki.Intermediate).Should().Be(new RevocationResult(RevocationStatus.Unknown, "crl signature invalid"));
        store.Check(RevocationPki.IssueLeaf(Pki.Intermediate, "y"), Pki.Intermediate);

        _logs.WithId(EventIds.CrlSignatureInvalid).Should().ContainSingle().Which.Message.Should().Contain("forged.crl");
    }

    [Fact]
    public void ConcurrentChecksDuringReloads_AlwaysAnswer()
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "busy");
        var path = Write("ca.crl", RevocationPki.BuildCrl(Pki.Intermediate, []), pem: false);
        using var store = Store(path);
        var crls = new[] { RevocationPki.BuildCrl(Pki.Intermediate, []), RevocationPki.BuildCrl(Pki.Intermediate, [leaf]) };

        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            if (i % 100 == 0)
            {
                lock (crls)
                {
                    Replace(path, crls[i / 100 % 2]);
                    store.ReloadIfChanged();
                }
            }

            store.Check(leaf, Pki.Intermediate).Should().NotBeNull();
        });
    }

    public void Dispose() => _dir.Dispose();

    private CrlStore Store(string path) => new([path], TimeSpan.Zero, TimeProvider.System, _logs.CreateLogger<CrlStore>());

    private string Write(string name, byte[] der, bool pem)
    {
        var path = _dir.Combine(name);
        if (pem)
        {
            File.WriteAllText(path, RevocationPki.Pem(der));
        }
        else
        {
            File.WriteAllBytes(path, der);
        }

        return path;
    }

    /// <summary>Writes beside and renames over, as a CRL download script should; the stamp differs even within one tick.</summary>
    private static void Replace(string path, object content)
    {
        var temp = path + ".new";
        if (content is string text)
        {
            File.WriteAllText(temp, text);
        }
        else
        {
            File.WriteAllBytes(temp, (byte[])content);
        }

        File.SetLastWriteTimeUtc(temp, File.GetLastWriteTimeUtc(path).AddSeconds(1));
        File.Move(temp, path, overwrite: true);
    }
}
