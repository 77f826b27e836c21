using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Authentication;

/// <summary><c>EdgeProxy check</c> over the authentication and authorization keys: every problem, each naming its key.</summary>
public sealed class AuthenticationConfigValidatorTests : IDisposable
{
    private const string Scheme = "EdgeProxy:Authentication:Jwt:idp";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private TestConfig ValidConfig()
    {
        var config = new TestConfig(_dir.Path).Cluster("app", "http://127.0.0.1:5080/");
        AuthFixture.Configure(config, "idp", "https://login.example.com/realms/edge", null, _dir.Path);
        config.Set("EdgeProxy:Authorization:Policies:writers:Scopes", new[] { "stac:write" });
        return AuthFixture.Route(config, "r1", "{**any}", "writers");
    }

    private (int ExitCode, string[] Lines) Check(TestConfig config)
    {
        var path = config.Write("check.json");
        using var output = new StringWriter();
        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", path]), _dir.Path, output, TextWriter.Null);
        return (exit, output.ToString().Split('\n'));
    }

    public static TheoryData<string, object?, string> Broken => new()
    {
        { $"{Scheme}:Authority", null, $"FAIL {Scheme}:Authority: required" },
        { $"{Scheme}:Authority", "http://login.example.com/", $"FAIL {Scheme}:Authority: 'http://login.example.com/' is plain HTTP" },
        { $"{Scheme}:MetadataAddress", "http://keycloak:8080/realms/edge/.well-known/openid-configuration", $"FAIL {Scheme}:MetadataAddress: 'http://keycloak:8080" },
        { $"{Scheme}:Audiences", null, $"FAIL {Scheme}:Audiences: required" },
        { $"{Scheme}:Audiences", "edge-api", $"FAIL {Scheme}:Audiences: must be a list" },
        { $"{Scheme}:Algorithms", new[] { "RS256", "none" }, $"FAIL {Scheme}:Algorithms:1: 'none' is never accepted" },
        { $"{Scheme}:Algorithms", new[] { "HS256" }, $"FAIL {Scheme}:Algorithms:0: 'HS256' is refused" },
        { $"{Scheme}:Algorithms", new[] { "RS999" }, $"FAIL {Scheme}:Algorithms:0: 'RS999' is not one of" },
        { $"{Scheme}:ClockSkew", "soon", $"FAIL {Scheme}:ClockSkew: 'soon' is not a duration" },
        { $"{Scheme}:RefreshInterval", "100ms", $"FAIL {Scheme}:RefreshInterval: must be at least 1s" },
        { $"{Scheme}:AutomaticRefreshInterval", "1m", $"FAIL {Scheme}:AutomaticRefreshInterval: must be at least 5m" },
        { $"{Scheme}:RequireHttpsMetadata", "yes", $"FAIL {Scheme}:RequireHttpsMetadata: 'yes' is not true or false" },
        { $"{Scheme}:CaBundle", "/nonexistent/ca.pem", $"FAIL {Scheme}:CaBundle: '/nonexistent/ca.pem' not found" },
        { $"{Scheme}:Audience", "edge-api", $"FAIL {Scheme}:Audience: unknown key" },
        { $"{Scheme}:UserClaim", " ", $"FAIL {Scheme}:UserClaim: empty" },
        { "EdgeProxy:Authorization:Policies:writers:Schemes", new[] { "idq" }, "FAIL EdgeProxy:Authorization:Policies:writers:Schemes:0: 'idq' is not defined" },
        { "EdgeProxy:Authorization:Policies:writers:Scopes", new[] { "a b" }, "FAIL EdgeProxy:Authorization:Policies:writers:Scopes:0: 'a b' is not a single scope" },
        { "EdgeProxy:Authorization:Policies:writers:Claims:email_verified", "true", "FAIL EdgeProxy:Authorization:Policies:writers:Claims:email_verified: must be a list" },
        { "EdgeProxy:Authorization:Policies:writers:Role", new[] { "admin" }, "FAIL EdgeProxy:Authorization:Policies:writers:Role: unknown key" },
        { "EdgeProxy:Authorization:Policies:Default:Roles", new[] { "admin" }, "FAIL EdgeProxy:Authorization:Policies:Default: 'Default' is reserved" },
        { "EdgeProxy:Authorization:DefaultPolicy", "readers", "FAIL EdgeProxy:Authorization:DefaultPolicy: 'readers' is not defined" },
        { "ReverseProxy:Routes:r1:AuthorizationPolicy", "readers", "FAIL ReverseProxy:Routes:r1: Authorization policy 'readers' not found" },
        { "ReverseProxy:Routes:r1:Metadata:EdgeProxy.AuthorizationHeader", "Maybe", "FAIL ReverseProxy:Routes:r1: EdgeProxy.AuthorizationHeader: 'Maybe' is not Pass or Strip" },
        { "ReverseProxy:Routes:r1:Metadata:EdgeProxy.IdentityHeaders", "yes", "FAIL ReverseProxy:Routes:r1: EdgeProxy.IdentityHeaders: 'yes' is not true or false" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Check_Fails_NamingTheKey(string key, object? value, string expectedLine)
    {
        var config = value is null ? ValidConfig().Remove(key) : ValidConfig().Set(key, value);

        var (exit, lines) = Check(config);

        exit.Should().Be(1);
        lines.Should().Contain(line => line.StartsWith(expectedLine, StringComparison.Ordinal), string.Join('\n', lines));
    }

    [Theory]
    [InlineData($"{Scheme}:Audiences", "edge-api")]
    [InlineData("EdgeProxy:Authorization:Policies:writers:Scopes", "stac:write")]
    public void ASingleValueWhereAListIsExpected_IsOneFinding(string key, string value)
    {
        var (exit, lines) = Check(ValidConfig().Set(key, value));

        exit.Should().Be(1);
        lines.Where(l => l.Contains($" {key}: ", StringComparison.Ordinal)).Should().Equal([$"FAIL {key}: must be a list: [\"{value}\"]"], "the validator, seeing the refused value missing, does not add 'required' under the same key");
    }

    [Fact]
    public void Check_ValidConfig_Passes_WithAnOkLinePerScheme()
    {
        var (exit, lines) = Check(ValidConfig());

        exit.Should().Be(0, string.Join('\n', lines));
        lines.Should().Contain(l => l.StartsWith($"OK {Scheme}: issuer https://login.example.com/realms/edge, discovery https://login.example.com/realms/edge/.well-known/openid-configuration", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_ReportsEveryProblemAtOnce()
    {
        var config = ValidConfig().Remove($"{Scheme}:Audiences").Set($"{Scheme}:Algorithms", new[] { "none" }).Set("EdgeProxy:Authorization:DefaultPolicy", "nope");

        var (_, lines) = Check(config);

        lines.Where(l => l.StartsWith("FAIL", StringComparison.Ordinal)).Should().HaveCount(3, string.Join('\n', lines));
    }

    [Fact]
    public void Check_PlainHttpMetadataAllowedExplicitly_Warns()
    {
        var config = ValidConfig().Set($"{Scheme}:Authority", "http://keycloak:8080/realms/edge").Set($"{Scheme}:RequireHttpsMetadata", false);

        var (exit, lines) = Check(config);

        exit.Should().Be(0, string.Join('\n', lines));
        lines.Should().Contain(l => l.StartsWith($"WARN {Scheme}:RequireHttpsMetadata:", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_ProtectedRouteWithoutAnyScheme_Fails()
    {
        var config = ValidConfig().Remove("EdgeProxy:Authentication");

        var (exit, lines) = Check(config);

        exit.Should().Be(1);
        lines.Should().Contain(l => l.StartsWith("FAIL EdgeProxy:Authentication:Jwt: no scheme is configured", StringComparison.Ordinal), string.Join('\n', lines));
    }
}
