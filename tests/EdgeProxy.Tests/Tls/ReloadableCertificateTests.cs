using EdgeProxy.Tests.ClientCertificates.Revocation;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tls;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Tls;

/// <summary>
/// The poller's view of a renewal written in two steps (certificate, then key): a poll that falls between them is not an
/// error; a pair that stays broken is, once. The proxy's own polling of the same class is in <see cref="CertificateReloadTests"/>.
/// </summary>
public sealed class ReloadableCertificateTests(ITestOutputHelper output) : IDisposable
{
    private const string Key = "Kestrel:Endpoints:Https:Certificate";
    private readonly TempDirectory _dir = new();
    private readonly TestPki _pki = TestPki.Instance;
    private readonly RecordingLoggerFactory _logs = new(output);
    private int _writes;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ARenewalCaughtBetweenTheCertificateAndTheKey_IsNotLogged_AndTheNewPairLoadsOnTheNextPoll()
    {
        var (cert, key) = _pki.WritePem(_pki.IssueServer("one", ["localhost"]), _dir.Combine("live"), "site");
        var (newCert, newKey) = _pki.WritePem(_pki.IssueServer("two", ["localhost"]), _dir.Combine("staging"), "site");
        var certificate = new ReloadableCertificate(new CertificateSpec(Key, cert, key, null));
        var logger = _logs.CreateLogger("EdgeProxy.Tls.CertificateStore");

        Replace(cert, newCert); // the certificate is in place, the key not yet
        certificate.ReloadIfChanged(logger);
        _logs.Entries.Should().BeEmpty();
        certificate.Current.Leaf.Subject.Should().Be("CN=one");

        Replace(key, newKey);
        certificate.ReloadIfChanged(logger);
        certificate.Current.Leaf.Subject.Should().Be("CN=two");
        _logs.Entries.Should().ContainSingle().Which.Should().Match<RecordingLoggerFactory.Entry>(e => e.Level == LogLevel.Information && e.Message.Contains("CN=two"));
    }

    [Fact]
    public void APairThatStaysBroken_IsAnErrorOnTheSecondPoll_OnlyOnce_AndTheOldPairServes()
    {
        var (cert, key) = _pki.WritePem(_pki.IssueServer("one", ["localhost"]), _dir.Combine("live"), "site");
        var (_, otherKey) = _pki.WritePem(_pki.IssueServer("other", ["localhost"]), _dir.Combine("other"), "x");
        var certificate = new ReloadableCertificate(new CertificateSpec(Key, cert, key, null));
        var logger = _logs.CreateLogger("EdgeProxy.Tls.CertificateStore");

        Replace(key, otherKey);
        certificate.ReloadIfChanged(logger);
        _logs.Entries.Should().BeEmpty("one poll cannot tell a broken pair from a renewal half written");

        certificate.ReloadIfChanged(logger);
        certificate.ReloadIfChanged(logger);
        _logs.Entries.Should().ContainSingle().Which.Should().Match<RecordingLoggerFactory.Entry>(e =>
            e.Level == LogLevel.Error && e.Message.Contains(Key + ":KeyPath") && e.Message.Contains("still serving CN=one"));
        certificate.Current.Leaf.Subject.Should().Be("CN=one");

        // A second broken state is reported too: another key that does not match either.
        var (_, thirdKey) = _pki.WritePem(_pki.IssueServer("third", ["localhost"]), _dir.Combine("third"), "x");
        Replace(key, thirdKey);
        certificate.ReloadIfChanged(logger);
        certificate.ReloadIfChanged(logger);
        _logs.Entries.Where(e => e.Level == LogLevel.Error).Should().HaveCount(2);
    }

    /// <summary>
    /// The file's new content, written later than anything before: the poller tells files apart by size and write time,
    /// and two test files of one size written within one kernel clock tick (~4 ms) would look alike.
    /// </summary>
    private void Replace(string path, string from)
    {
        File.Copy(from, path, overwrite: true);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(++_writes));
    }
}
