using EdgeProxy.Acme;
using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Acme;

public sealed class AcmeOptionsValidatorTests : IDisposable
{
    private const string Acme = "EdgeProxy:Certificates:Acme";
    private readonly TempDirectory _dir = new();

    private (ConfigReport Report, AcmeSettings? Settings) Check(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Https:Url"] = "https://127.0.0.1:0",
            [$"{Acme}:Enabled"] = "true",
            [$"{Acme}:AcceptTermsOfService"] = "true",
            [$"{Acme}:Email"] = "ops@example.com",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var result = ConfigChecker.Check(config, _dir.Path);
        return (result.Report, result.Acme);
    }

    public static TheoryData<string, string, string> Broken => new()
    {
        { $"{Acme}:AcceptTermsOfService", "false", $"FAIL {Acme}:AcceptTermsOfService: must be true" },
        { $"{Acme}:DirectoryUrl", "http://ca.example/dir", $"FAIL {Acme}:DirectoryUrl: 'http://ca.example/dir' is not an https:// URL" },
        { $"{Acme}:Email", "not-an-address", $"FAIL {Acme}:Email: 'not-an-address' is not an email address" },
        { $"{Acme}:Hosts:0", "*.example.com", $"FAIL {Acme}:Hosts: '*.example.com' is a wildcard, which needs the DNS-01 challenge" },
        { $"{Acme}:Hosts:0", "192.0.2.1", $"FAIL {Acme}:Hosts: '192.0.2.1' is an IP address" },
        { $"{Acme}:Challenges:0", "Dns01", $"FAIL {Acme}:Challenges:0: 'Dns01' is not one of Http01, TlsAlpn01" },
        { $"{Acme}:KeyType", "Rsa1024", $"FAIL {Acme}:KeyType: 'Rsa1024' is not one of EcdsaP256, EcdsaP384" },
        { $"{Acme}:RenewBefore", "soon", $"FAIL {Acme}:RenewBefore: 'soon' is not a duration" },
        { $"{Acme}:CaBundle", "/nonexistent/ca.pem", $"FAIL {Acme}:CaBundle: '/nonexistent/ca.pem' cannot be read" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void BrokenSetting_FailsNamingTheKey_AndNothingIsOrdered(string key, string value, string expected)
    {
        var (report, settings) = Check((key, value));

        report.Failures.Select(f => f.ToString()).Should().Contain(line => line.StartsWith(expected, StringComparison.Ordinal));
        settings.Should().BeNull();
    }

    [Fact]
    public void Defaults_LiteralRouteHostsWithoutPort_LetsEncrypt_StorageUnderDataPath()
    {
        var (report, settings) = Check(
            ("ReverseProxy:Routes:r1:Match:Hosts:0", "App.Example.com:8443"),
            ("ReverseProxy:Routes:r1:Match:Hosts:1", "*.example.org"),
            ("ReverseProxy:Routes:r2:Match:Hosts:0", "api.example.com"));

        report.Failures.Where(f => f.Key.StartsWith(Acme, StringComparison.Ordinal)).Should().BeEmpty();
        settings!.Hosts.Should().Equal("app.example.com", "api.example.com");
        settings.DirectoryUrl.ToString().Should().Be(AcmeOptions.LetsEncrypt);
        settings.StoragePath.Should().Be(Path.Combine(_dir.Path, "data", "acme"));
        report.Findings.Should().Contain(f => f.Severity == Severity.Warn && f.ToString().Contains("'*.example.org' gets no ACME certificate"));
    }

    [Fact]
    public void HostWithFileCertificateOnSni_IsLeftToTheFile()
    {
        var pki = TestPki.Instance;
        var (cert, key) = pki.WritePem(pki.IssueServer("app.example.com", ["app.example.com"]), _dir.Combine("certs"), "app");
        var (_, settings) = Check(
            ($"{Acme}:Hosts:0", "app.example.com"),
            ($"{Acme}:Hosts:1", "other.example.com"),
            ("Kestrel:Endpoints:Https:Sni:app.example.com:Certificate:Path", cert),
            ("Kestrel:Endpoints:Https:Sni:app.example.com:Certificate:KeyPath", key),
            ("Kestrel:Endpoints:Https:Certificate:Path", cert),
            ("Kestrel:Endpoints:Https:Certificate:KeyPath", key));

        settings!.Hosts.Should().Equal("other.example.com");
    }

    [Fact]
    public void MissingEmail_Warns()
    {
        var (report, settings) = Check(($"{Acme}:Email", string.Empty));

        settings.Should().NotBeNull();
        report.Findings.Should().Contain(f => f.Severity == Severity.Warn && f.Key == $"{Acme}:Email");
    }

    [Theory]
    [InlineData(90 * 24, null, 60 * 24)]   // 90 days: renew with 30 days left
    [InlineData(6 * 24, null, 3 * 24)]     // 6 days (under 10): renew with half left
    [InlineData(90 * 24, 10 * 24, 80 * 24)] // RenewBefore 10 days
    public void RenewalTime_IsAThirdOfTheLifetime_HalfUnderTenDays_OrRenewBefore(int lifetimeHours, int? renewBeforeHours, int dueAfterHours)
    {
        var settings = new AcmeSettings(new Uri(AcmeOptions.LetsEncrypt), null, [], new HashSet<AcmeChallengeType>(), AcmeKeyType.EcdsaP256,
            renewBeforeHours is { } h ? TimeSpan.FromHours(h) : null, null, _dir.Path);
        var notBefore = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        settings.RenewalTime(notBefore, notBefore.AddHours(lifetimeHours)).Should().Be(notBefore.AddHours(dueAfterHours));
    }

    [Fact]
    public void CheckCommand_UnreachableDirectory_IsAWarnNotAFail()
    {
        var path = new TestConfig(_dir.Path)
            .Set($"{Acme}:Enabled", true)
            .Set($"{Acme}:AcceptTermsOfService", true)
            .Set($"{Acme}:Email", "ops@example.com")
            .Set($"{Acme}:DirectoryUrl", "https://127.0.0.1:1/dir")
            .Set($"{Acme}:Hosts", new[] { "app.example.com" })
            .Write("check.json");
        using var output = new StringWriter();

        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", path]), _dir.Path, output, TextWriter.Null);

        exit.Should().Be(0);
        output.ToString().Should().Contain($"WARN {Acme}:DirectoryUrl: https://127.0.0.1:1/dir is unreachable from here");
    }

    public void Dispose() => _dir.Dispose();
}
