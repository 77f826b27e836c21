using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Tests.Docs;

/// <summary>
/// docs/migrating.md cannot rot: every configuration key it names resolves in the configuration model (EdgeProxy's
/// options types, YARP's route and cluster types, the Kestrel endpoint keys EdgeProxy reads, or the reference
/// config, which goes through the validators itself), every <c>EdgeProxy.*</c> metadata name is one the code
/// reads, every transform it shows passes YARP's validator through <c>check</c>, and the translated site at the
/// end passes <c>check</c>. It also holds the guide to the directives the migration issue lists.
/// </summary>
public sealed partial class MigrationGuideTests : IDisposable
{
    private static readonly string Guide = File.ReadAllText(Repo.Path("docs", "migrating.md"));
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void EveryKeyTheGuideNames_ExistsInTheConfigurationModel()
    {
        var keys = CodeSpans().SelectMany(span => KeyPath().Matches(span).Select(m => m.Value.TrimEnd('.', ',', ':'))).Distinct().ToList();
        keys.Should().HaveCountGreaterThan(60, "the guide names the key for each directive");

        keys.Where(k => !Resolves(k)).Should().BeEmpty("each of these keys is named in docs/migrating.md but exists nowhere in the configuration model");
    }

    [Theory]
    [InlineData("EdgeProxy:Retries:TryDurations")]
    [InlineData("EdgeProxy:TrustedProxies:Network")]
    [InlineData("ReverseProxy:Clusters:<cluster>:LoadBalancing")]
    [InlineData("ReverseProxy:Routes:<route>:Match:Host")]
    [InlineData("Kestrel:Endpoints:Https:ClientCertificate")]
    [InlineData("EdgeProxy:Streaming:Policies:Buffered:MaxBodySize")]
    public void AStaleKey_WouldFailTheGuide(string stale) => Resolves(stale).Should().BeFalse();

    [Fact]
    public void EveryMetadataName_IsOneTheCodeReads()
    {
        var names = CodeSpans().SelectMany(span => MetadataName().Matches(span).Select(m => m.Groups["name"].Value)).Distinct().ToList();
        names.Should().Contain(["EdgeProxy.AllowFrom", "EdgeProxy.ClientCert", "EdgeProxy.ClientCert.Forward", "EdgeProxy.Stream"]);
        var source = string.Concat(Directory.EnumerateFiles(Repo.Path("src", "EdgeProxy"), "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText));
        var reference = File.ReadAllText(Repo.Path("config", "appsettings.reference.json"));

        names.Where(n => !source.Contains($"\"{n}\"", StringComparison.Ordinal) && !reference.Contains($"\"{n}\":", StringComparison.Ordinal)).Should().BeEmpty();
    }

    [Fact]
    public void EveryTransformTheGuideShows_PassesCheck()
    {
        var transforms = CodeSpans().Where(s => s.StartsWith('{') && !s.Contains("EdgeProxy.", StringComparison.Ordinal))
            .Select(s => JsonSerializer.Deserialize<Dictionary<string, string>>(s)!).ToList();
        transforms.Should().HaveCountGreaterThan(5).And.Contain(t => t.ContainsKey("ResponseHeader")).And.Contain(t => t.ContainsKey("PathRemovePrefix"));
        var config = new TestConfig(_dir.Path).Route("r", "{**all}", "c").Cluster("c", "http://127.0.0.1:5080/").Set("ReverseProxy:Routes:r:Transforms", transforms);

        var report = Check(config.Write());

        report.Failures.Should().BeEmpty();
        Check(config.Set("ReverseProxy:Routes:r:Transforms", new[] { new Dictionary<string, string> { ["ResponseHeaders"] = "X" } }).Write())
            .Failures.Should().NotBeEmpty("a misspelt transform fails check, so the passing run above means something");
    }

    [Fact]
    public void TheTranslatedSite_PassesCheck()
    {
        var json = JsonBlock().Matches(Guide).Should().ContainSingle().Which.Groups["json"].Value;
        var file = _dir.Combine("appsettings.json");
        File.WriteAllText(file, json);

        var report = Check(file);
        var keys = new ConfigurationBuilder().AddJsonFile(file).Build().AsEnumerable().Where(p => p.Value is not null)
            .Select(p => Regex.Replace(p.Key, @":\d+(?=:|$)", string.Empty)).Distinct().ToList();
        keys.Should().HaveCountGreaterThan(20);
        keys.Where(k => !Resolves(k)).Should().BeEmpty("check does not yet refuse every unknown key (YARP ignores them), so the model is asked directly");

        // The certificate names the operator's /certs files; everything else must pass, without a warning.
        report.Failures.Where(f => !f.Message.Contains("not found", StringComparison.Ordinal)).Should().BeEmpty();
        report.Findings.Where(f => f.Severity == Severity.Warn).Should().BeEmpty();
    }

    [Fact]
    public void TheNginxTable_HasARowForEveryDirectiveTheIssueLists()
    {
        var nginx = Guide[Guide.IndexOf("## nginx", StringComparison.Ordinal)..Guide.IndexOf("## Caddy", StringComparison.Ordinal)];
        var firstCells = nginx.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)).Select(l => l.Split(" | ")[0]).ToList();
        string[] directives = ["server_name", "listen 443 ssl", "ssl_certificate", "ssl_protocols", "ssl_verify_client", "ssl_client_certificate", "ssl_crl",
            "location", "proxy_pass", "upstream", "proxy_set_header", "proxy_hide_header", "add_header Content-Security-Policy", "add_header Strict-Transport-Security",
            "client_max_body_size", "proxy_read_timeout", "proxy_buffering", "proxy_http_version", "Upgrade", "set_real_ip_from", "real_ip_header", "allow", "deny",
            "return 301", "auth_request", "limit_req", "gzip"];

        directives.Where(d => !firstCells.Any(c => c.Contains(d, StringComparison.Ordinal))).Should().BeEmpty();
        foreach (var row in nginx.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            row.Split(" | ").Should().HaveCount(2).And.Subject.Last().Trim(' ', '|').Should().NotBeEmpty(row);
        }
    }

    private static ConfigReport Check(string file)
    {
        var report = new ConfigReport();
        var configFile = new ConfigFile(file, IsExplicit: true);
        EdgeProxyConfiguration.CheckFile(configFile, report).Should().BeTrue(string.Join('\n', report.Findings));
        var builder = new ConfigurationBuilder();
        EdgeProxyConfiguration.AddLayers(builder, configFile, [], watch: false);
        ConfigChecker.Check(builder.Build(), Path.GetDirectoryName(file)!, report);
        return report;
    }

    private static IEnumerable<string> CodeSpans() => CodeSpan().Matches(Guide).Select(m => m.Groups["code"].Value.Trim());

    private static bool Resolves(string key)
    {
        var segments = key.Split(':');
        return segments[0] switch
        {
            "ReverseProxy" when segments.Length >= 3 && segments[1] == "Routes" => Walk(typeof(RouteConfig), segments[3..]),
            "ReverseProxy" when segments.Length >= 3 && segments[1] == "Clusters" => Walk(typeof(ClusterConfig), segments[3..]),
            "Kestrel" when segments.Length >= 2 && segments[1] == "Limits" => Walk(typeof(KestrelServerLimits), segments[2..]),
            "Kestrel" when segments.Length >= 2 && segments[1] is "Endpoints" or "Certificates" => Walk(typeof(EdgeProxy.Tls.ListenerOptions), segments[1..]),
            "EdgeProxy" => OptionsTypes().Any(o => key.StartsWith(o.Section + ":", StringComparison.Ordinal) && Walk(o.Type, key[(o.Section.Length + 1)..].Split(':')))
                || InReference(segments),
            "Serilog" => InReference(segments),
            _ => false,
        };
    }

    private static bool Walk(Type type, string[] segments)
    {
        foreach (var segment in segments)
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type != typeof(string) && Element(type, typeof(IReadOnlyDictionary<,>)) is null && ListElement(type) is { } item)
            {
                type = item; // a list: an index names an element, any other segment is the element's
                if (segment.All(char.IsAsciiDigit))
                {
                    continue;
                }
            }

            if (Element(type, typeof(IReadOnlyDictionary<,>)) is { } value)
            {
                type = value; // any name: a placeholder or the operator's own
                continue;
            }

            if (segment.StartsWith('<') || type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is not { } property)
            {
                return false;
            }

            type = property.PropertyType;
        }

        return true;
    }

    private static Type? Element(Type type, Type generic) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == generic ? type.GetGenericArguments()[1]
        : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic)?.GetGenericArguments()[1];

    private static Type? ListElement(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static IEnumerable<(string Section, Type Type)> OptionsTypes() =>
        OptionsTable.All.Where(o => o.Section.StartsWith("EdgeProxy", StringComparison.Ordinal)).Select(o => (o.Section, o.Type));

    /// <summary>A key of config/appsettings.reference.json, or a section above one; <c>&lt;name&gt;</c> stands for any name.</summary>
    private static bool InReference(string[] segments) => ReferenceKeys.Value.Any(k =>
    {
        var parts = k.Split(':');
        return parts.Length >= segments.Length && segments.Select((s, i) => s.StartsWith('<') || string.Equals(s, parts[i], StringComparison.OrdinalIgnoreCase)).All(x => x);
    });

    private static readonly Lazy<List<string>> ReferenceKeys = new(() =>
        new ConfigurationBuilder().AddJsonFile(Repo.Path("config", "appsettings.reference.json")).Build().AsEnumerable()
            .Select(p => Regex.Replace(p.Key, @":\d+(?=:|$)", string.Empty)).ToList());

    [GeneratedRegex(@"`(?<code>[^`\n]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\b(?:EdgeProxy|Kestrel|ReverseProxy|Serilog)(?::[A-Za-z0-9<>_.*-]+)+")]
    private static partial Regex KeyPath();

    [GeneratedRegex(@"""(?<name>EdgeProxy\.[A-Za-z.]+)""")]
    private static partial Regex MetadataName();

    [GeneratedRegex(@"```jsonc\n(?<json>.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
