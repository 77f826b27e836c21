using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Samples;

/// <summary>
/// A sample's <c>appsettings.json</c> as shipped, with only what differs between the operator's machine and a
/// test: listener and admin ports (127.0.0.1:0), the data folder, certificate/CA/CRL file paths, upstream and
/// issuer addresses, and the load balancers' addresses. Any other override is refused, and every override must
/// name a key the sample already has, so a test never quietly runs another configuration than operators copy.
/// </summary>
internal static class SampleConfig
{
    public static TestConfig Load(string sample, string directory, ITestOutputHelper output, params (string Key, object? Value)[] overrides)
    {
        var path = Repo.Path("samples", sample, "appsettings.json");
        var sampleRoot = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
        var config = new TestConfig(directory); // generates this test's server certificate
        var certPath = (string)config.Root["Kestrel"]!["Endpoints"]!["Https"]!["Certificate"]!["Path"]!;
        var keyPath = (string)config.Root["Kestrel"]!["Endpoints"]!["Https"]!["Certificate"]!["KeyPath"]!;
        config.Root.Clear();
        foreach (var (name, value) in sampleRoot)
        {
            config.Root[name] = value?.DeepClone();
        }

        var applied = new List<string>();
        void Apply(string key, object? value, bool mustExist = true)
        {
            Regex.IsMatch(key, Allowed).Should().BeTrue($"{key} is not a port, file path or upstream address; samples run unchanged otherwise");
            if (mustExist)
            {
                Find(config.Root, key).Should().NotBeNull($"{key} must exist in samples/{sample}/appsettings.json to be replaced");
            }

            config.Set(key, value);
            applied.Add($"{key} = {JsonSerializer.Serialize(value)}");
        }

        foreach (var (name, endpoint) in config.Root["Kestrel"]!["Endpoints"]!.AsObject())
        {
            var url = (string)endpoint!["Url"]!;
            Apply($"Kestrel:Endpoints:{name}:Url", Regex.Replace(url, @"//[^/]+$", "//127.0.0.1:0"));
            if (endpoint["Certificate"] is not null)
            {
                Apply($"Kestrel:Endpoints:{name}:Certificate:Path", certPath);
                Apply($"Kestrel:Endpoints:{name}:Certificate:KeyPath", keyPath);
            }
        }

        Apply("EdgeProxy:Admin:Urls", "http://127.0.0.1:0", mustExist: false); // default 127.0.0.1:9901 would collide between tests
        Apply("EdgeProxy:DataPath", Path.Combine(directory, "data"), mustExist: false);
        foreach (var (key, value) in overrides)
        {
            Apply(key, value);
        }

        output.WriteLine($"samples/{sample}/appsettings.json with:\n  " + string.Join("\n  ", applied));
        return config;
    }

    /// <summary><c>EdgeProxy check</c> on the sample as the test runs it (its files exist here): exit 0, no FAIL, no WARN.</summary>
    public static void CheckPasses(TestConfig config, ITestOutputHelper output)
    {
        var findings = new StringWriter();
        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", config.Write("check.json")]), config.Directory, findings, TextWriter.Null);
        output.WriteLine(findings.ToString());
        findings.ToString().Split('\n').Should().NotContain(line => line.StartsWith("FAIL") || line.StartsWith("WARN"));
        exit.Should().Be(0);
    }

    /// <summary>
    /// Keys a test may replace: listener/admin URLs, file paths, upstream and issuer addresses (Authority is the
    /// issuer's public URL), and the addresses of the load balancers in front (TrustedProxies:Networks: a
    /// 10.0.0.0/8 balancer cannot be a loopback peer).
    /// </summary>
    private const string Allowed = @"(:Url|:Urls|:Address|:Path|:KeyPath|:DataPath|:TrustedCaFiles|:CrlFiles|:CaBundle|:MetadataAddress|:ResponderUrl|:Authority|TrustedProxies:Networks)$";

    private static JsonNode? Find(JsonObject root, string key)
    {
        JsonNode? node = root;
        foreach (var segment in key.Split(':'))
        {
            node = node is JsonObject o && o.TryGetPropertyValue(segment, out var child) ? child : null;
        }

        return node;
    }
}
