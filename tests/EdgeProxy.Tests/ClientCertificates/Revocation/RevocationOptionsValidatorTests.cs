using EdgeProxy.ClientCertificates.Revocation;
using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.ClientCertificates.Revocation;

public sealed class RevocationOptionsValidatorTests : IDisposable
{
    private const string Prefix = "EdgeProxy:ClientCertificates:";
    private static readonly RevocationPki Pki = RevocationPki.Instance;
    private readonly TempDirectory _dir = new();

    public RevocationOptionsValidatorTests()
    {
        File.WriteAllText(_dir.Combine("good.pem"), RevocationPki.Pem(RevocationPki.BuildCrl(Pki.Intermediate, [])));
        File.WriteAllBytes(_dir.Combine("good.der"), RevocationPki.BuildCrl(Pki.IntermediateRsa, []));
        File.WriteAllText(_dir.Combine("stale.pem"), RevocationPki.Pem(RevocationPki.BuildCrl(Pki.Intermediate, [], nextUpdate: DateTimeOffset.UtcNow.AddDays(-1), thisUpdate: DateTimeOffset.UtcNow.AddDays(-8))));
        File.WriteAllText(_dir.Combine("garbage.crl"), "not a crl");
        File.WriteAllText(_dir.Combine("cas.pem"), Pki.Root.ExportCertificatePem() + "\n" + Pki.Intermediate.ExportCertificatePem() + "\n");
        var forged = RevocationPki.BuildCrl(Pki.Intermediate, []);
        forged[^3] ^= 0xFF;
        File.WriteAllBytes(_dir.Combine("forged.der"), forged);
    }

    public static TheoryData<string, string?, string?> Cases => new()
    {
        // settings ("key=value;..."), expected FAIL key (or null), expected WARN key (or null)
        { "Revocation=None;CrlFiles:0=missing.crl;Ocsp:Timeout=nope", null, null },
        { "", null, null },
        { "Revocation=Crl;CrlFiles:0=good.pem;CrlFiles:1=good.der", null, null },
        { "Revocation=crlorocsp;CrlFiles:0=good.pem", null, null },
        { "Revocation=Sometimes", "Revocation", null },
        { "Revocation=1", "Revocation", null },
        { "Revocation=Crl", "CrlFiles", null },
        { "Revocation=CrlOrOcsp", "CrlFiles", null },
        { "Revocation=Crl;CrlFiles:0=good.pem;CrlFiles:1=missing.crl", "CrlFiles:1", null },
        { "Revocation=Crl;CrlFiles:0=garbage.crl", "CrlFiles:0", null },
        { "Revocation=Crl;CrlFiles:0=", "CrlFiles:0", null },
        { "Revocation=Crl;CrlFiles:0=stale.pem", null, "CrlFiles:0" },
        { "Revocation=Crl;CrlFiles:0=good.pem;CrlReloadInterval=soon", "CrlReloadInterval", null },
        { "Revocation=Crl;CrlFiles:0=good.pem;CrlReloadInterval=0s", "CrlReloadInterval", null },
        { "Revocation=Crl;CrlFiles:0=good.pem;TrustedCaFiles:0=cas.pem", null, null },
        { "Revocation=Crl;CrlFiles:0=good.der;TrustedCaFiles:0=cas.pem", null, "CrlFiles:0" },
        { "Revocation=Crl;CrlFiles:0=forged.der;TrustedCaFiles:0=cas.pem", "CrlFiles:0", null },
        { "Revocation=Crl;CrlFiles:0=forged.der;TrustedCaFiles:0=missing.pem", null, null },
        { "Revocation=Ocsp", null, null },
        { "Revocation=Ocsp;CrlFiles:0=good.pem", null, "CrlFiles" },
        { "Revocation=Ocsp;Ocsp:ResponderUrl=http://ocsp.example.com/", null, null },
        { "Revocation=Ocsp;Ocsp:ResponderUrl=ldap://ocsp.example.com/", "Ocsp:ResponderUrl", null },
        { "Revocation=Ocsp;Ocsp:ResponderUrl=ocsp.example.com", "Ocsp:ResponderUrl", null },
        { "Revocation=Ocsp;Ocsp:Timeout=5", "Ocsp:Timeout", null },
        { "Revocation=Ocsp;Ocsp:Timeout=0s", "Ocsp:Timeout", null },
        { "Revocation=Ocsp;Ocsp:CacheMaxAge=forever", "Ocsp:CacheMaxAge", null },
        { "Revocation=Ocsp;Ocsp:CacheMaxAge=0s", null, null },
        { "Revocation=Ocsp;Ocsp:SoftFail=maybe", "Ocsp:SoftFail", null },
        { "Revocation=Ocsp;Ocsp:SoftFail=true", null, "Ocsp:SoftFail" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Settings_ReportExpectedFindings(string settings, string? failKey, string? warnKey)
    {
        var report = Validate(settings);

        report.Failures.Select(f => f.Key).Should().BeEquivalentTo(failKey is null ? [] : new[] { Prefix + failKey });
        report.Findings.Where(f => f.Severity == Severity.Warn).Select(f => f.Key).Should().BeEquivalentTo(warnKey is null ? [] : new[] { Prefix + warnKey });
    }

    [Fact]
    public void EveryProblem_IsReportedAtOnce()
    {
        var report = Validate("Revocation=CrlOrOcsp;CrlFiles:0=missing.crl;CrlFiles:1=garbage.crl;CrlReloadInterval=x;Ocsp:Timeout=y;Ocsp:ResponderUrl=z");

        report.Failures.Select(f => f.Key).Should().BeEquivalentTo(
            new[] { "CrlFiles:0", "CrlFiles:1", "CrlReloadInterval", "Ocsp:Timeout", "Ocsp:ResponderUrl" }.Select(k => Prefix + k));
    }

    [Fact]
    public void StaleCrl_WarningNamesTheFile()
    {
        var report = Validate("Revocation=Crl;CrlFiles:0=stale.pem");

        report.Findings.Should().ContainSingle(f => f.Severity == Severity.Warn).Which.Message.Should().Contain(_dir.Combine("stale.pem")).And.Contain("nextUpdate");
    }

    public void Dispose() => _dir.Dispose();

    private ConfigReport Validate(string settings)
    {
        var values = settings.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => Prefix + pair[0], pair => (string?)pair[1]);
        var report = new ConfigReport();
        var bindable = ValueCheck.Check(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), report); // as check does: values first, then the validator
        new RevocationOptionsValidator(new ConfigContext(_dir.Path, () => []), bindable).Check(BoundOptions.Get<RevocationOptions>(bindable), report);
        return report;
    }
}
