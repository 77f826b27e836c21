using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Configuration;

public sealed class ConfigValidationTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestPki _pki = TestPki.Instance;

    public void Dispose() => _dir.Dispose();

    private TestConfig ValidConfig()
    {
        var (cert, key) = _pki.WritePem(_pki.IssueServer("ok", ["localhost"]), _dir.Combine("certs"), "ok");
        return new TestConfig(_dir.Path).WithCertificate(cert, key).Route("r1", "{**any}", "c1").Cluster("c1", "http://127.0.0.1:5080/");
    }

    private (int ExitCode, string Output) Check(TestConfig config, params string[] args)
    {
        var path = config.Write("check.json");
        using var output = new StringWriter();
        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", path, .. args]), _dir.Path, output, TextWriter.Null);
        return (exit, output.ToString());
    }

    public static TheoryData<string, string, string> Broken => new()
    {
        { "missing certificate file", "Kestrel:Endpoints:Https:Certificate:Path=/nonexistent/cert.pem", "FAIL Kestrel:Endpoints:Https:Certificate:Path: file '/nonexistent/cert.pem' not found" },
        { "missing key file", "Kestrel:Endpoints:Https:Certificate:KeyPath=/nonexistent/key.pem", "FAIL Kestrel:Endpoints:Https:Certificate:KeyPath: file '/nonexistent/key.pem' not found" },
        { "route naming an unknown cluster", "ReverseProxy:Routes:r1:ClusterId=nope", "FAIL ReverseProxy:Routes:r1:ClusterId: cluster 'nope' is not defined" },
        { "malformed destination", "ReverseProxy:Clusters:c1:Destinations:d0:Address=not a url", "FAIL ReverseProxy:Clusters:c1:Destinations:d0:Address: 'not a url' is not an absolute http:// or https:// URL" },
        { "destination with another scheme", "ReverseProxy:Clusters:c1:Destinations:d0:Address=ftp://host/", "FAIL ReverseProxy:Clusters:c1:Destinations:d0:Address:" },
        { "bad YARP duration", "ReverseProxy:Clusters:c1:HttpRequest:ActivityTimeout=ten seconds", "FAIL ReverseProxy:Clusters:c1:HttpRequest:ActivityTimeout: 'ten seconds' is not a duration" },
        { "bad YARP health switch", "ReverseProxy:Clusters:c1:HealthCheck:Active:Enabled=yes", "FAIL ReverseProxy:Clusters:c1:HealthCheck:Active:Enabled: 'yes' is not true or false" },
        { "bad YARP cookie lifetime", "ReverseProxy:Clusters:c1:SessionAffinity:Cookie:Expiration=a day", "FAIL ReverseProxy:Clusters:c1:SessionAffinity:Cookie:Expiration: 'a day' is not a duration" },
        { "bad YARP number", "ReverseProxy:Clusters:c1:HttpClient:MaxConnectionsPerServer=many", "FAIL ReverseProxy:Clusters:c1:HttpClient:MaxConnectionsPerServer: 'many' is not a whole number" },
        { "bad EdgeProxy duration", "EdgeProxy:ShutdownTimeout=soon", "FAIL EdgeProxy:ShutdownTimeout: 'soon' is not a duration" },
        { "bad listener url", "Kestrel:Endpoints:Https:Url=https://no host here", "FAIL Kestrel:Endpoints:Https:Url:" },
        { "unbindable host", "Kestrel:Endpoints:Https:Url=https://example.com:8443", "FAIL Kestrel:Endpoints:Https:Url: host 'example.com' cannot be bound" },
        { "SSL 3", "Kestrel:Endpoints:Https:SslProtocols=Ssl3", "FAIL Kestrel:Endpoints:Https:SslProtocols: Ssl3 is broken" },
        { "unknown protocol", "Kestrel:Endpoints:Https:Protocols=Http4", "FAIL Kestrel:Endpoints:Https:Protocols: 'Http4' is not one of" },
        { "unknown TLS version", "Kestrel:Endpoints:Https:SslProtocols=Tls12,Tls14", "FAIL Kestrel:Endpoints:Https:SslProtocols: 'Tls14' is not a TLS version" },
        { "TLS version None", "Kestrel:Endpoints:Https:SslProtocols=None", "FAIL Kestrel:Endpoints:Https:SslProtocols: 'None' is not a TLS version" },
        { "unknown SNI protocol", "Kestrel:Endpoints:Https:Sni:a.test:Protocols=Http4", "FAIL Kestrel:Endpoints:Https:Sni:a.test:Protocols: 'Http4' is not one of" },
        { "unknown client-certificate mode", "Kestrel:Endpoints:Https:ClientCertificateMode=Required", "FAIL Kestrel:Endpoints:Https:ClientCertificateMode: 'Required' is not one of" },
        { "unknown console format", "EdgeProxy:Console:Format=Json", "FAIL EdgeProxy:Console:Format: 'Json' is not one of Text, CompactJson" },
        { "https admin", "EdgeProxy:Admin:Urls=https://127.0.0.1:9901", "FAIL EdgeProxy:Admin:Urls:" },
        { "bad redirect port", "EdgeProxy:HttpsRedirect:Port=70000", "FAIL EdgeProxy:HttpsRedirect:Port: '70000' is not a TCP port" },
        { "PFX with a KeyPath", "Kestrel:Endpoints:Https:Certificate:Path=/x/site.pfx", "FAIL Kestrel:Endpoints:Https:Certificate:Path: file '/x/site.pfx' not found" },
        { "access log switch", "EdgeProxy:AccessLog:Enabled=yes", "FAIL EdgeProxy:AccessLog:Enabled: 'yes' is not true or false" },
        { "detailed error pages switch", "EdgeProxy:ErrorPages:Detailed=maybe", "FAIL EdgeProxy:ErrorPages:Detailed: 'maybe' is not true or false" },
        { "OTLP endpoint", "EdgeProxy:Telemetry:OtlpEndpoint=collector:4318", "FAIL EdgeProxy:Telemetry:OtlpEndpoint: 'collector:4318' is not an absolute http:// or https:// URL" },
        { "OTLP protocol", "EdgeProxy:Telemetry:OtlpProtocol=udp", "FAIL EdgeProxy:Telemetry:OtlpProtocol: 'udp' is not grpc or http/protobuf" },
        { "YARP route without match", "ReverseProxy:Routes:r2:ClusterId=c1", "FAIL ReverseProxy:Routes:r2:" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Check_Fails_NamingTheKey(string because, string setting, string expectedLine)
    {
        var (key, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
        var config = ValidConfig().Set(key, value);

        var (exit, output) = Check(config);

        exit.Should().Be(1, because);
        output.Split('\n').Should().Contain(line => line.StartsWith(expectedLine, StringComparison.Ordinal), because + "\n" + output);
    }

    [Fact]
    public void Check_ValidConfig_ExitsZero_AndPrintsOneLinePerFinding()
    {
        var (exit, output) = Check(ValidConfig());

        exit.Should().Be(0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().StartWith("EdgeProxy ", "the version comes first");
        lines.Skip(1).Should().OnlyContain(l => l.StartsWith("OK ") || l.StartsWith("WARN ") || l.StartsWith("FAIL "));
        lines.Should().Contain(l => l.StartsWith("OK ReverseProxy:Routes:r1: "));
        lines.Should().Contain(l => l.StartsWith("OK Kestrel:Endpoints:Https:Certificate: CN=ok"));
    }

    [Fact]
    public void DefaultListeners_ApplyOnlyWhenTheFileNamesNone()
    {
        var onlyHttps = ValidConfig().Remove("Kestrel:Endpoints:Http");
        var (_, output) = Check(onlyHttps);
        output.Should().NotContain("Kestrel:Endpoints:Http:").And.NotContain("OK Kestrel:Endpoints:Http ", "a file naming only Https gets no extra :8080 listener");

        var none = ValidConfig().Remove("Kestrel:Endpoints");
        (_, output) = Check(none);
        output.Should().Contain("OK Kestrel:Endpoints:Http: http://*:8080 (plain HTTP)").And.Contain("OK Kestrel:Endpoints:Https: https://*:8443");
    }

    [Fact]
    public void KeyNotMatchingCertificate_Fails_NamingKeyPath()
    {
        var config = ValidConfig();
        var (_, otherKey) = _pki.WritePem(_pki.IssueServer("other", ["localhost"]), _dir.Combine("other"), "other");
        config.Set("Kestrel:Endpoints:Https:Certificate:KeyPath", otherKey);

        var (exit, output) = Check(config);

        exit.Should().Be(1);
        output.Should().Contain("FAIL Kestrel:Endpoints:Https:Certificate:KeyPath: the private key in '" + otherKey + "' cannot be used with the certificate");
    }

    [Fact]
    public void ExpiredCertificate_Fails()
    {
        var expired = _pki.IssueServer("old", ["localhost"], DateTimeOffset.UtcNow.AddDays(-100), DateTimeOffset.UtcNow.AddDays(-1));
        var (cert, key) = _pki.WritePem(expired, _dir.Combine("expired"), "old");

        var (exit, output) = Check(ValidConfig().WithCertificate(cert, key));

        exit.Should().Be(1);
        output.Should().Contain("FAIL Kestrel:Endpoints:Https:Certificate:Path: certificate CN=old in '" + cert + "' expired on");
    }

    [Fact]
    public void CertificateExpiringWithin14Days_Warns_ButPasses()
    {
        var soon = _pki.IssueServer("soon", ["localhost"], notAfter: DateTimeOffset.UtcNow.AddDays(5));
        var (cert, key) = _pki.WritePem(soon, _dir.Combine("soon"), "soon");

        var (exit, output) = Check(ValidConfig().WithCertificate(cert, key));

        exit.Should().Be(0);
        output.Should().MatchRegex(@"WARN Kestrel:Endpoints:Https:Certificate:Path: certificate CN=soon in '.*' expires in [45](\.\d)? days");
    }

    [Fact]
    public void SniCertificateProblems_NameTheSniKey()
    {
        var config = ValidConfig().Set("Kestrel:Endpoints:Https:Sni:a.test:Certificate:Path", "/nonexistent/a.pem");

        var (_, output) = Check(config);

        output.Should().Contain("FAIL Kestrel:Endpoints:Https:Sni:a.test:Certificate:Path: file '/nonexistent/a.pem' not found");
    }

    [Fact]
    public void EveryProblem_IsListedAtOnce()
    {
        var config = ValidConfig()
            .Set("Kestrel:Endpoints:Https:Certificate:Path", "/nonexistent/cert.pem")
            .Set("ReverseProxy:Routes:r1:ClusterId", "nope")
            .Set("ReverseProxy:Clusters:c1:Destinations:d0:Address", "::bad::")
            .Set("EdgeProxy:ShutdownTimeout", "soon");

        var (exit, output) = Check(config);

        exit.Should().Be(1);
        output.Should().Contain("FAIL Kestrel:Endpoints:Https:Certificate:Path:")
            .And.Contain("FAIL ReverseProxy:Routes:r1:ClusterId:")
            .And.Contain("FAIL ReverseProxy:Clusters:c1:Destinations:d0:Address:")
            .And.Contain("FAIL EdgeProxy:ShutdownTimeout:");
    }

    [Fact]
    public void Start_RefusesInvalidConfig_ListingEveryProblem()
    {
        var config = ValidConfig()
            .Set("Kestrel:Endpoints:Https:Certificate:KeyPath", "/nonexistent/key.pem")
            .Set("ReverseProxy:Routes:r1:ClusterId", "nope");
        var path = config.Write();

        var start = () => Program.Build(new CommandLine("run", path, []), _dir.Path);

        var rejected = start.Should().Throw<ConfigurationRejectedException>().Which;
        rejected.Report.Failures.Select(f => f.Key).Should().BeEquivalentTo("Kestrel:Endpoints:Https:Certificate:KeyPath", "ReverseProxy:Routes:r1:ClusterId");
        rejected.Message.Should().Contain("FAIL Kestrel:Endpoints:Https:Certificate:KeyPath: file '/nonexistent/key.pem' not found");
    }

    [Fact]
    public void MissingExplicitConfigFile_Fails()
    {
        using var output = new StringWriter();

        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", "/nonexistent/edge.json"]), _dir.Path, output, TextWriter.Null);

        exit.Should().Be(1);
        output.ToString().Should().Contain("FAIL --config: file '/nonexistent/edge.json' not found");
    }

    [Fact]
    public void MalformedJson_Fails_NamingTheFile()
    {
        var path = Path.Combine(_dir.Path, "broken.json");
        File.WriteAllText(path, "{ \"ReverseProxy\": { ");
        using var output = new StringWriter();

        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", path]), _dir.Path, output, TextWriter.Null);

        exit.Should().Be(1);
        output.ToString().Should().Contain($"FAIL --config: '{path}' is not valid JSON");
    }

    [Fact]
    public void EveryAllInterfacesWildcard_IsAccepted_AndTls11Warns()
    {
        var config = ValidConfig()
            .Set("Kestrel:Endpoints:Https:Url", "https://*:0")
            .Set("Kestrel:Endpoints:Https:SslProtocols", new[] { "Tls11", "Tls12" });

        var (exit, output) = Check(config);

        exit.Should().Be(0, output);
        output.Should().Contain("WARN Kestrel:Endpoints:Https:SslProtocols: Tls11 is deprecated");
    }

    [Theory]
    [InlineData("Tls13", "Tls13")]
    [InlineData("Tls12, Tls13", "Tls12, Tls13")]
    [InlineData(new[] { "Tls13" }, "Tls13")]
    [InlineData(new[] { "Tls12", "Tls13" }, "Tls12, Tls13")]
    public void SslProtocols_ReadsAListOrOneCommaSeparatedValue_AsTheSameVersions(object value, string shown)
    {
        var config = ValidConfig().Set("Kestrel:Endpoints:Https:Url", "https://127.0.0.1:0").Set("Kestrel:Endpoints:Https:SslProtocols", value);

        var (exit, output) = Check(config);

        exit.Should().Be(0, output);
        output.Should().Contain($"OK Kestrel:Endpoints:Https: https://127.0.0.1:0 ({shown}, Http1AndHttp2)");
    }

    [Fact]
    public void SslProtocols_AnEntryOfTheListThatIsNoVersion_FailsUnderItsIndex_InsteadOfBeingDropped()
    {
        var config = ValidConfig().Set("Kestrel:Endpoints:Https:SslProtocols", new[] { "Tls12", "Tls14" });

        var (exit, output) = Check(config);

        exit.Should().Be(1, output);
        output.Should().Contain("FAIL Kestrel:Endpoints:Https:SslProtocols:1: 'Tls14' is not a TLS version; use Tls12 and/or Tls13");
    }

    [Fact]
    public void ABadYarpValue_IsOneFindingUnderItsKey_AndYarpStillReadsTheRest()
    {
        var config = ValidConfig()
            .Set("ReverseProxy:Clusters:c1:HealthCheck:Active:Enabled", "yes")
            .Set("ReverseProxy:Clusters:c1:HttpRequest:ActivityTimeout", "ten seconds")
            .Set("ReverseProxy:Routes:r1:ClusterId", "nope");

        var (exit, output) = Check(config);

        exit.Should().Be(1, output);
        var lines = output.Split('\n');
        lines.Where(l => l.Contains(" ReverseProxy:Clusters:c1:HealthCheck:Active:Enabled: ", StringComparison.Ordinal))
            .Should().Equal(["FAIL ReverseProxy:Clusters:c1:HealthCheck:Active:Enabled: 'yes' is not true or false"], "no 'missing' WARN for the value just refused");
        lines.Should().Contain(l => l.StartsWith("FAIL ReverseProxy:Clusters:c1:HttpRequest:ActivityTimeout: 'ten seconds' is not a duration", StringComparison.Ordinal));
        lines.Should().Contain("FAIL ReverseProxy:Routes:r1:ClusterId: cluster 'nope' is not defined under ReverseProxy:Clusters", "YARP read the routes despite the bad values, which were left out");
    }
}
