using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Configuration;

/// <summary>
/// Misspelt and misplaced keys in every family and every layer (file, environment variable, command line, route and
/// cluster metadata, Serilog sinks): each one is a FAIL naming the key and the fix in <c>check</c>, and the same
/// configuration refuses to start. Before, every one of them passed as "configuration OK".
/// </summary>
public sealed class UnknownKeyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private TestConfig ValidConfig() => new TestConfig(_dir.Path).Route("r1", "{**any}", "c1").Cluster("c1", "http://127.0.0.1:5080/");

    /// <summary>key=value set in the file; the expected FAIL line starts with the key and contains the fix.</summary>
    public static TheoryData<string, string, string> InTheFile => new()
    {
        // EdgeProxy's own sections
        { "EdgeProxy:Hstss:MaxAge=1d", "EdgeProxy:Hstss", "unknown key; did you mean EdgeProxy:Hsts?" },
        { "EdgeProxy:Hsts:MaxAgee=1d", "EdgeProxy:Hsts:MaxAgee", "did you mean EdgeProxy:Hsts:MaxAge?" },
        { "EdgeProxy:Hsts:Hosts:a.example.com:Ownr=Upstream", "EdgeProxy:Hsts:Hosts:a.example.com:Ownr", "did you mean EdgeProxy:Hsts:Hosts:a.example.com:Owner?" },
        { "EdgeProxy:Hsts:IncludeSubdomain=true", "EdgeProxy:Hsts:IncludeSubdomain", "did you mean EdgeProxy:Hsts:IncludeSubDomains?" },
        { "EdgeProxy:HttpsRedirct:Port=443", "EdgeProxy:HttpsRedirct", "did you mean EdgeProxy:HttpsRedirect?" },
        { "EdgeProxy:HttpsRedirect:Prt=443", "EdgeProxy:HttpsRedirect:Prt", "did you mean EdgeProxy:HttpsRedirect:Port?" },
        { "EdgeProxy:Admin:Url=http://127.0.0.1:0", "EdgeProxy:Admin:Url", "did you mean EdgeProxy:Admin:Urls?" },
        { "EdgeProxy:Admin:AllowedHost:0=edgeproxy", "EdgeProxy:Admin:AllowedHost", "did you mean EdgeProxy:Admin:AllowedHosts?" },
        { "EdgeProxy:Memory:ReturnAfterIdel=10s", "EdgeProxy:Memory:ReturnAfterIdel", "did you mean EdgeProxy:Memory:ReturnAfterIdle?" },
        { "EdgeProxy:Memmory:ReturnAfterIdle=10s", "EdgeProxy:Memmory", "did you mean EdgeProxy:Memory?" },
        { "EdgeProxy:DataPth=data", "EdgeProxy:DataPth", "did you mean EdgeProxy:DataPath?" },
        { "EdgeProxy:ShutdownTimout=10s", "EdgeProxy:ShutdownTimout", "did you mean EdgeProxy:ShutdownTimeout?" },
        { "EdgeProxy:AccessLog:Enable=false", "EdgeProxy:AccessLog:Enable", "did you mean EdgeProxy:AccessLog:Enabled?" },
        { "EdgeProxy:ErrorPages:Detail=true", "EdgeProxy:ErrorPages:Detail", "did you mean EdgeProxy:ErrorPages:Detailed?" },
        { "EdgeProxy:Telemetry:OtlpEndpiont=http://c:4318", "EdgeProxy:Telemetry:OtlpEndpiont", "did you mean EdgeProxy:Telemetry:OtlpEndpoint?" },
        { "EdgeProxy:TrustedProxies:Network:0=10.0.0.0/8", "EdgeProxy:TrustedProxies:Network", "did you mean EdgeProxy:TrustedProxies:Networks?" },
        { "EdgeProxy:TrustedProxies:EmitForwared=true", "EdgeProxy:TrustedProxies:EmitForwared", "did you mean EdgeProxy:TrustedProxies:EmitForwarded?" },
        { "EdgeProxy:ClientCertificates:TrustedCaFile:0=/ca.pem", "EdgeProxy:ClientCertificates:TrustedCaFile", "did you mean EdgeProxy:ClientCertificates:TrustedCaFiles?" },
        { "EdgeProxy:ClientCertificates:Ocsp:Timout=5s", "EdgeProxy:ClientCertificates:Ocsp:Timout", "did you mean EdgeProxy:ClientCertificates:Ocsp:Timeout?" },
        { "EdgeProxy:ClientCertificates:CrlFile:0=/ca.crl", "EdgeProxy:ClientCertificates:CrlFile", "did you mean EdgeProxy:ClientCertificates:CrlFiles?" },
        { "EdgeProxy:Certificates:ReloadIntervall=2s", "EdgeProxy:Certificates:ReloadIntervall", "did you mean EdgeProxy:Certificates:ReloadInterval?" },
        { "EdgeProxy:Certificates:SelfSigned:Host:0=edge", "EdgeProxy:Certificates:SelfSigned:Host", "did you mean EdgeProxy:Certificates:SelfSigned:Hosts?" },
        { "EdgeProxy:Certificates:Acme:Emial=ops@example.com", "EdgeProxy:Certificates:Acme:Emial", "did you mean EdgeProxy:Certificates:Acme:Email?" },
        { "EdgeProxy:Acme:Enabled=true", "EdgeProxy:Acme", "it belongs elsewhere: EdgeProxy:Certificates:Acme" },
        { "EdgeProxy:Streaming:Policies:Sse:IdleTimout=5s", "EdgeProxy:Streaming:Policies:Sse:IdleTimout", "did you mean EdgeProxy:Streaming:Policies:Sse:IdleTimeout?" },
        { "EdgeProxy:Streaming:Policies:Sse:Idle=5s", "EdgeProxy:Streaming:Policies:Sse:Idle", "did you mean EdgeProxy:Streaming:Policies:Sse:IdleTimeout?" },
        { "EdgeProxy:Streaming:Policies:state:Mode=Sse;EdgeProxy:Streaming:Policies:state:Hartbeat=15s", "EdgeProxy:Streaming:Policies:state:Hartbeat", "did you mean EdgeProxy:Streaming:Policies:state:Heartbeat?" },
        { "EdgeProxy:Streaming:Policies:Auto:WebSockets=WebSocket", "EdgeProxy:Streaming:Policies:Auto:WebSockets", "did you mean EdgeProxy:Streaming:Policies:Auto:WebSocket?" },
        { "EdgeProxy:Streaming:Policies:uploads:Mod=Buffered", "EdgeProxy:Streaming:Policies:uploads:Mod", "did you mean EdgeProxy:Streaming:Policies:uploads:Mode?" },
        { "EdgeProxy:RateLimting:DefaultPolicy=api", "EdgeProxy:RateLimting", "did you mean EdgeProxy:RateLimiting?" },
        { "EdgeProxy:RateLimiting:DefaultPolice=api", "EdgeProxy:RateLimiting:DefaultPolice", "did you mean EdgeProxy:RateLimiting:DefaultPolicy?" },
        { "EdgeProxy:RateLimiting:Policy:api:Kind=Concurrency", "EdgeProxy:RateLimiting:Policy", "did you mean EdgeProxy:RateLimiting:Policies?" },
        { "EdgeProxy:RateLimiting:Policies:api:Kind=FixedWindow;EdgeProxy:RateLimiting:Policies:api:Window=1s;EdgeProxy:RateLimiting:Policies:api:PermitLimt=5", "EdgeProxy:RateLimiting:Policies:api:PermitLimt", "did you mean EdgeProxy:RateLimiting:Policies:api:PermitLimit?" },
        { "EdgeProxy:RateLimiting:Policies:api:Kind=TokenBucket;EdgeProxy:RateLimiting:Policies:api:TokenLimit=5;EdgeProxy:RateLimiting:Policies:api:TokensPerPeriod=1;EdgeProxy:RateLimiting:Policies:api:Burst=10", "EdgeProxy:RateLimiting:Policies:api:Burst", "unknown key" },
        { "EdgeProxy:Streaming:Policy:Sse:IdleTimeout=5s", "EdgeProxy:Streaming:Policy", "did you mean EdgeProxy:Streaming:Policies?" },
        { "EdgeProxy:Authentication:Jwt:idp:Audience=api", "EdgeProxy:Authentication:Jwt:idp:Audience", "did you mean EdgeProxy:Authentication:Jwt:idp:Audiences?" },
        { "EdgeProxy:Authorization:Policies:p:Role:0=admin", "EdgeProxy:Authorization:Policies:p:Role", "did you mean EdgeProxy:Authorization:Policies:p:Roles?" },
        { "EdgeProxy:Authorization:DefaultPolice=p", "EdgeProxy:Authorization:DefaultPolice", "did you mean EdgeProxy:Authorization:DefaultPolicy?" },
        { "EdgeProxy:Hsts:MaxAge:0=1d", "EdgeProxy:Hsts:MaxAge", "takes a single value, not a section or a list" },

        // Kestrel: the endpoint keys EdgeProxy binds, and KestrelServerOptions
        { "Kestrel:Endpoints:Https:Certifcate:Path=/x.pem", "Kestrel:Endpoints:Https:Certifcate", "did you mean Kestrel:Endpoints:Https:Certificate?" },
        { "Kestrel:Endpoints:Https:Certificate:Subject=CN=x", "Kestrel:Endpoints:Https:Certificate:Subject", "the keys here are KeyPath, Password, Path" },
        { "Kestrel:Endpoints:Https:Sni:a.test:Certificate:Pth=/a.pem", "Kestrel:Endpoints:Https:Sni:a.test:Certificate:Pth", "did you mean Kestrel:Endpoints:Https:Sni:a.test:Certificate:Path?" },
        { "Kestrel:Endpoints:Https:SslProtocol:0=Tls13", "Kestrel:Endpoints:Https:SslProtocol", "did you mean Kestrel:Endpoints:Https:SslProtocols?" },
        { "Kestrel:Endpoints:Https:ClientCertificateMod=RequireCertificate", "Kestrel:Endpoints:Https:ClientCertificateMod", "did you mean Kestrel:Endpoints:Https:ClientCertificateMode?" },
        { "Kestrel:Endpoints:Https:Uri=https://127.0.0.1:0", "Kestrel:Endpoints:Https:Uri", "did you mean Kestrel:Endpoints:Https:Url?" },
        { "Kestrel:Limits:MaxRequestBodySise=10", "Kestrel:Limits:MaxRequestBodySise", "did you mean Kestrel:Limits:MaxRequestBodySize?" },
        { "Kestrel:Limits:Http2:MaxStreamsPerConection=10", "Kestrel:Limits:Http2:MaxStreamsPerConection", "did you mean Kestrel:Limits:Http2:MaxStreamsPerConnection?" },
        { "Kestrel:AddServerHeadr=true", "Kestrel:AddServerHeadr", "did you mean Kestrel:AddServerHeader?" },
        { "Kestrel:Certificates:Defualt:Path=/x.pem", "Kestrel:Certificates:Defualt", "did you mean Kestrel:Certificates:Default?" },

        // Top-level sections
        { "Kestrl:Endpoints:Https:Url=https://*:443", "Kestrl", "did you mean Kestrel?" },
        { "RevereProxy:Routes:x:ClusterId=c1", "RevereProxy", "did you mean ReverseProxy?" },
        { "Logging:LogLevel:Default=Debug", "Logging", "the keys here are EdgeProxy, Kestrel, ReverseProxy, Serilog" },

        // YARP routes and clusters
        { "ReverseProxy:Routes:r1:Match:Host:0=a.example.com", "ReverseProxy:Routes:r1:Match:Host", "did you mean ReverseProxy:Routes:r1:Match:Hosts?" },
        { "ReverseProxy:Routes:r1:Match:Paths=/x", "ReverseProxy:Routes:r1:Match:Paths", "did you mean ReverseProxy:Routes:r1:Match:Path?" },
        { "ReverseProxy:Routes:r1:Match:Headers:0:Nme=X-App", "ReverseProxy:Routes:r1:Match:Headers:0:Nme", "did you mean ReverseProxy:Routes:r1:Match:Headers:0:Name?" },
        { "ReverseProxy:Routes:r1:Cluster=c1", "ReverseProxy:Routes:r1:Cluster", "did you mean ReverseProxy:Routes:r1:ClusterId?" },
        { "ReverseProxy:Routes:r1:Ordr=1", "ReverseProxy:Routes:r1:Ordr", "did you mean ReverseProxy:Routes:r1:Order?" },
        { "ReverseProxy:Routes:r1:AuthorizationPolicey=x", "ReverseProxy:Routes:r1:AuthorizationPolicey", "did you mean ReverseProxy:Routes:r1:AuthorizationPolicy?" },
        { "ReverseProxy:Routes:r1:RateLimiterPolicey=api", "ReverseProxy:Routes:r1:RateLimiterPolicey", "did you mean ReverseProxy:Routes:r1:RateLimiterPolicy?" },
        { "ReverseProxy:Routes:r1:Transform:0:PathPrefix=/x", "ReverseProxy:Routes:r1:Transform", "did you mean ReverseProxy:Routes:r1:Transforms?" },
        { "ReverseProxy:Clusters:c1:Destinations:d0:Adress=http://127.0.0.1:1/", "ReverseProxy:Clusters:c1:Destinations:d0:Adress", "did you mean ReverseProxy:Clusters:c1:Destinations:d0:Address?" },
        { "ReverseProxy:Clusters:c1:HttpRequest:ActivityTimout=00:01:00", "ReverseProxy:Clusters:c1:HttpRequest:ActivityTimout", "did you mean ReverseProxy:Clusters:c1:HttpRequest:ActivityTimeout?" },
        { "ReverseProxy:Clusters:c1:HealthCheck:Active:Intervall=00:00:10", "ReverseProxy:Clusters:c1:HealthCheck:Active:Intervall", "did you mean ReverseProxy:Clusters:c1:HealthCheck:Active:Interval?" },
        { "ReverseProxy:Clusters:c1:LoadBalancingPolicey=RoundRobin", "ReverseProxy:Clusters:c1:LoadBalancingPolicey", "did you mean ReverseProxy:Clusters:c1:LoadBalancingPolicy?" },
        { "ReverseProxy:Clusters:c1:SessionAffinity:Enable=true", "ReverseProxy:Clusters:c1:SessionAffinity:Enable", "did you mean ReverseProxy:Clusters:c1:SessionAffinity:Enabled?" },
        { "ReverseProxy:Cluster:c2:Destinations:d:Address=http://x/", "ReverseProxy:Cluster", "did you mean ReverseProxy:Clusters?" },

        // EdgeProxy route and cluster metadata
        { "ReverseProxy:Routes:r1:Metadata:EdgeProxy.AlowFrom=10.0.0.0/8", "ReverseProxy:Routes:r1:Metadata:EdgeProxy.AlowFrom", "did you mean ReverseProxy:Routes:r1:Metadata:EdgeProxy.AllowFrom?" },
        { "ReverseProxy:Routes:r1:Metadata:EdgeProxy.Streem=Sse", "ReverseProxy:Routes:r1:Metadata:EdgeProxy.Streem", "did you mean ReverseProxy:Routes:r1:Metadata:EdgeProxy.Stream?" },
        { "ReverseProxy:Routes:r1:Metadata:EdgeProxy.StreamPolicey=state", "ReverseProxy:Routes:r1:Metadata:EdgeProxy.StreamPolicey", "did you mean ReverseProxy:Routes:r1:Metadata:EdgeProxy.StreamPolicy?" },
        { "ReverseProxy:Clusters:c1:Metadata:EdgeProxy.StreamPolicy=state", "ReverseProxy:Clusters:c1:Metadata:EdgeProxy.StreamPolicy", "it belongs elsewhere: ReverseProxy:Routes:<route>:Metadata:EdgeProxy.StreamPolicy" },
        { "ReverseProxy:Routes:r1:Metadata:EdgeProxy.Hst=Off", "ReverseProxy:Routes:r1:Metadata:EdgeProxy.Hst", "did you mean ReverseProxy:Routes:r1:Metadata:EdgeProxy.Hsts?" },
        { "ReverseProxy:Routes:r1:Metadata:EdgeProxy.IdentityHeader=true", "ReverseProxy:Routes:r1:Metadata:EdgeProxy.IdentityHeader", "did you mean ReverseProxy:Routes:r1:Metadata:EdgeProxy.IdentityHeaders?" },
        { "ReverseProxy:Routes:r1:Metadata:EdgeProxy_AllowFrom=10.0.0.0/8", "ReverseProxy:Routes:r1:Metadata:EdgeProxy_AllowFrom", "did you mean ReverseProxy:Routes:r1:Metadata:EdgeProxy.AllowFrom?" },
        { "ReverseProxy:Routes:r1:Metadata:EdgeProxy.ClientCertificate=Required", "ReverseProxy:Routes:r1:Metadata:EdgeProxy.ClientCertificate", "did you mean ReverseProxy:Routes:r1:Metadata:EdgeProxy.ClientCert?" },
        { "ReverseProxy:Routes:r1:Metadata:EdgeProxyPolicy=x", "ReverseProxy:Routes:r1:Metadata:EdgeProxyPolicy", "EdgeProxy reads EdgeProxy.Stream, EdgeProxy.StreamPolicy, EdgeProxy.AllowFrom" },
        { "ReverseProxy:Clusters:c1:Metadata:EdgeProxy.Stream=Sse", "ReverseProxy:Clusters:c1:Metadata:EdgeProxy.Stream", "it belongs elsewhere: ReverseProxy:Routes:<route>:Metadata:EdgeProxy.Stream" },
        { "ReverseProxy:Clusters:c1:Destinations:d0:Metadata:EdgeProxy.AllowFrom=10.0.0.0/8", "ReverseProxy:Clusters:c1:Destinations:d0:Metadata:EdgeProxy.AllowFrom", "it belongs elsewhere: ReverseProxy:Routes:<route>:Metadata:EdgeProxy.AllowFrom" },

        // Serilog
        { "Serilog:WritTo:0:Name=Console", "Serilog:WritTo", "did you mean Serilog:WriteTo?" },
        { "Serilog:MinimumLevel:Defualt=Debug", "Serilog:MinimumLevel:Defualt", "did you mean Serilog:MinimumLevel:Default?" },
        { "Serilog:WriteTo:0:Name=Consol", "Serilog:WriteTo:0:Name", "'Consol' is not a sink Serilog can find (names are case-sensitive); did you mean 'Console'?" },
        { "Serilog:WriteTo:0:Name=console", "Serilog:WriteTo:0:Name", "did you mean 'Console'?" },
        { "Serilog:WriteTo:0:Name=Async;Serilog:WriteTo:0:Args:configure:0:Name=Consle", "Serilog:WriteTo:0:Args:configure:0:Name", "did you mean 'Console'?" },
        { "Serilog:MinimumLevel:Default=Informaton", "Serilog:MinimumLevel:Default", "'Informaton' is not a level" },
    };

    /// <summary>Command-line overrides, as the process receives them.</summary>
    public static TheoryData<string, string, string> OnTheCommandLine => new()
    {
        { "EdgeProxy:Hstss:MaxAge=1d", "EdgeProxy:Hstss", "unknown key (command-line override EdgeProxy:Hstss:MaxAge=1d); did you mean EdgeProxy:Hsts?" },
        { "EdgeProxy:HttpsRedirct:Port=443", "EdgeProxy:HttpsRedirct", "(command-line override EdgeProxy:HttpsRedirct:Port=443); did you mean EdgeProxy:HttpsRedirect?" },
        { "ReverseProxy:Routes:r1:Match:Host:0=a.example.com", "ReverseProxy:Routes:r1:Match:Host", "did you mean ReverseProxy:Routes:r1:Match:Hosts?" },
        { "Kestrel:Endpoints:Https:Certifcate:Path=/x.pem", "Kestrel:Endpoints:Https:Certifcate", "did you mean Kestrel:Endpoints:Https:Certificate?" },
        { "ReverseProxy:Routes:r1:Metadata:EdgeProxy.AlowFrom=10.0.0.0/8", "ReverseProxy:Routes:r1:Metadata:EdgeProxy.AlowFrom", "did you mean ReverseProxy:Routes:r1:Metadata:EdgeProxy.AllowFrom?" },
        { "ReverseProxy:Clusters:c1:HttpRequest:ActivityTimout=00:01:00", "ReverseProxy:Clusters:c1:HttpRequest:ActivityTimout", "did you mean ReverseProxy:Clusters:c1:HttpRequest:ActivityTimeout?" },
        { "Serilog:WriteTo:0:Name=Consol", "Serilog:WriteTo:0:Name", "did you mean 'Console'?" },
        { "Kestral:Endpoints:X:Url=http://*:80", "Kestral", "did you mean Kestrel?" },
    };

    /// <summary>Environment variables (Section__Key), through the real environment-variable provider.</summary>
    public static TheoryData<string, string, string> InTheEnvironment => new()
    {
        { "EdgeProxy__Hstss__MaxAge=1d", "EdgeProxy:Hstss", "unknown key (environment variable EdgeProxy__Hstss__MaxAge); did you mean EdgeProxy:Hsts?" },
        { "EdgeProxy__HttpsRedirct__Port=443", "EdgeProxy:HttpsRedirct", "(environment variable EdgeProxy__HttpsRedirct__Port); did you mean EdgeProxy:HttpsRedirect?" },
        { "ReverseProxy__Clusters__c1__Destinations__d0__Adress=http://x/", "ReverseProxy:Clusters:c1:Destinations:d0:Adress", "did you mean ReverseProxy:Clusters:c1:Destinations:d0:Address?" },
        { "Kestrel__Endpoints__Https__Certifcate__Path=/x.pem", "Kestrel:Endpoints:Https:Certifcate", "did you mean Kestrel:Endpoints:Https:Certificate?" },
        { "ReverseProxy__Routes__r1__Metadata__EdgeProxy.AlowFrom=10.0.0.0/8", "ReverseProxy:Routes:r1:Metadata:EdgeProxy.AlowFrom", "did you mean ReverseProxy:Routes:r1:Metadata:EdgeProxy.AllowFrom?" },
        { "Serilog__WriteTo__0__Name=Consol", "Serilog:WriteTo:0:Name", "did you mean 'Console'?" },
        { "EdgeProxi__Hsts__MaxAge=1d", "EdgeProxi", "did you mean EdgeProxy?" },
    };

    [Theory]
    [MemberData(nameof(InTheFile))]
    public void FileKey_FailsInCheck_AndRefusesToStart(string setting, string key, string fix)
    {
        var config = ValidConfig();
        foreach (var (name, value) in setting.Split(';').Select(Split))
        {
            config.Set(name, value);
        }

        AssertRefused(config, [], key, fix);
    }

    [Theory]
    [MemberData(nameof(OnTheCommandLine))]
    public void CommandLineKey_FailsInCheck_AndRefusesToStart(string setting, string key, string fix) =>
        AssertRefused(ValidConfig(), [setting], key, fix);

    [Theory]
    [MemberData(nameof(InTheEnvironment))]
    public void EnvironmentKey_FailsInCheck(string setting, string key, string fix)
    {
        // A prefix unique to this case keeps the variable away from every other test in the process; the provider
        // strips it, so EdgeProxy sees exactly the key an unprefixed variable would give.
        var prefix = $"EPTEST{Guid.NewGuid():N}_";
        var (name, value) = Split(setting);
        Environment.SetEnvironmentVariable(prefix + name, value);
        try
        {
            var file = new ConfigFile(ValidConfig().Write("check.json"), IsExplicit: true);
            var builder = new ConfigurationBuilder();
            EdgeProxyConfiguration.AddLayers(builder, file, [], watch: false);
            builder.AddEnvironmentVariables(prefix);

            var report = ConfigChecker.Check(builder.Build(), _dir.Path);

            report.Report.Failures.Should().Contain(f => f.Key == key && f.Message.Contains(fix, StringComparison.Ordinal), string.Join('\n', report.Report.Findings));
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + name, null);
        }
    }

    [Fact]
    public void EveryShippedBuiltInDefault_IsAKnownKey()
    {
        var report = ConfigChecker.Check(new ConfigurationBuilder().AddInMemoryCollection(BuiltInDefaults.Values).AddInMemoryCollection(BuiltInDefaults.Endpoints).Build(), _dir.Path);

        report.Report.Failures.Should().NotContain(f => f.Message.StartsWith("unknown key", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ReverseProxy:Routes:r1:Metadata:edgeproxy.stream", "Sse")] // metadata keys are case-insensitive, as YARP reads them
    [InlineData("ReverseProxy:Routes:r1:Metadata:team", "payments")] // keys without the prefix are the operator's own
    [InlineData("edgeproxy:hsts:maxage", "1d")] // configuration keys are case-insensitive
    [InlineData("Serilog:WriteTo:0:Name", "Console")]
    public void KnownKeysInAnySpelling_Pass(string key, string value)
    {
        using var output = new StringWriter();
        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", ValidConfig().Set(key, value).Write("check.json")]), _dir.Path, output, TextWriter.Null);

        exit.Should().Be(0, output.ToString());
    }

    [Fact]
    public void WriteToWithNothingWritingAnywhere_Warns()
    {
        var config = ValidConfig().Set("Serilog:WriteTo:0:Name", "Async");
        using var output = new StringWriter();

        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", config.Write("check.json")]), _dir.Path, output, TextWriter.Null);

        exit.Should().Be(0);
        output.ToString().Should().Contain("WARN Serilog:WriteTo: no sink in it writes anywhere: the proxy would serve with no log output at all");
    }

    private void AssertRefused(TestConfig config, string[] overrides, string key, string fix)
    {
        var path = config.Write("check.json");
        using var output = new StringWriter();
        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", path, .. overrides]), _dir.Path, output, TextWriter.Null);

        exit.Should().Be(1, output.ToString());
        output.ToString().Split('\n').Should().Contain(l => l.StartsWith($"FAIL {key}: ", StringComparison.Ordinal) && l.Contains(fix, StringComparison.Ordinal), output.ToString());

        // The same configuration never gets as far as binding a listener.
        var start = () => Program.Build(new CommandLine("run", path, overrides), _dir.Path);
        start.Should().Throw<ConfigurationRejectedException>().Which.Report.Failures.Should().Contain(f => f.Key == key);
    }

    private static (string Name, string Value) Split(string setting) => (setting[..setting.IndexOf('=', StringComparison.Ordinal)], setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..]);
}
