using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Configuration;

/// <summary>
/// config/appsettings.schema.json is the model <c>check</c> uses, written out: regenerated here and compared, referenced
/// by every shipped configuration, and checked by a JSON Schema validator nobody here wrote (Debian's python3-jsonschema).
/// </summary>
public sealed class ConfigSchemaTests : IDisposable
{
    private const string Python = "/usr/bin/python3";

    // Draft 2020-12, every error of every file, one line each; exit 1 when any file has one.
    private const string Validator = """
        import json, sys
        from jsonschema import Draft202012Validator
        schema = json.load(open(sys.argv[1]))
        Draft202012Validator.check_schema(schema)
        validator = Draft202012Validator(schema)
        errors = 0
        for path in sys.argv[2:]:
            for error in validator.iter_errors(json.load(open(path))):
                print(path + ": " + "/".join(map(str, error.absolute_path)) + ": " + error.message)
                errors += 1
        sys.exit(1 if errors else 0)
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string SchemaPath => Repo.Path("config", ConfigSchema.FileName);

    /// <summary>Every EdgeProxy configuration the repository ships.</summary>
    public static TheoryData<string> ShippedConfigs() => [.. ConfigFiles()];

    private static IEnumerable<string> ConfigFiles()
    {
        foreach (var file in Directory.EnumerateFiles(Repo.Path("config"), "*.json")
                     .Concat(Directory.EnumerateFiles(Repo.Path("samples"), "appsettings.json", SearchOption.AllDirectories))
                     .Append(Repo.Path("docker", "config", "appsettings.json"))
                     .Append(Repo.Path("docker", "kubernetes", "base", "appsettings.json"))
                     .Append(Repo.Path("bench", "config", "edgeproxy.json"))
                     .Where(f => !f.EndsWith(ConfigSchema.FileName, StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal)))
        {
            yield return Path.GetRelativePath(Repo.Root, file);
        }
    }

    [Fact]
    public void SchemaFile_IsWhatTheModelGenerates()
    {
        var generated = ConfigSchema.Generate(XmlDocs.ForEdgeProxy());
        if (Environment.GetEnvironmentVariable("EDGEPROXY_WRITE_SCHEMA") == "1")
        {
            File.WriteAllText(SchemaPath, generated);
        }

        File.ReadAllText(SchemaPath).Should().Be(generated,
            "the schema is written from the options types; after changing one, regenerate it: EDGEPROXY_WRITE_SCHEMA=1 dotnet test --filter FullyQualifiedName~ConfigSchemaTests");
    }

    [Fact]
    public void Schema_KnowsTheKeysOperatorsTypeMost()
    {
        var schema = JsonNode.Parse(File.ReadAllText(SchemaPath))!;
        var edge = schema["properties"]!["EdgeProxy"]!["properties"]!;

        edge["Hsts"]!["properties"]!["MaxAge"]!["default"]!.GetValue<string>().Should().Be("365d");
        edge["Hsts"]!["additionalProperties"]!.GetValue<bool>().Should().BeFalse();
        edge["TrustedProxies"]!["properties"]!["Networks"]!["description"]!.GetValue<string>().Should().Contain("nobody is trusted");
        var route = schema["properties"]!["ReverseProxy"]!["properties"]!["Routes"]!["additionalProperties"]!;
        route["properties"]!["Match"]!["properties"]!["Hosts"]!["type"]!.GetValue<string>().Should().Be("array");
        route["properties"]!["Metadata"]!["propertyNames"]!.ToJsonString().Should().Contain("EdgeProxy.AllowFrom");
        schema["properties"]!["Kestrel"]!["properties"]!["Endpoints"]!["additionalProperties"]!["properties"]!["Certificate"]!["properties"]!.AsObject()
            .Select(p => p.Key).Should().BeEquivalentTo(["Path", "KeyPath", "Password"]);
    }

    [Theory]
    [MemberData(nameof(ShippedConfigs))]
    public void ShippedConfig_ReferencesTheSchema(string relativePath)
    {
        var config = Parse(Repo.Path(relativePath));

        var reference = config[ConfigModel.SchemaKey]?.GetValue<string>();
        reference.Should().NotBeNull($"{relativePath} names the schema so an editor completes its keys");
        Path.GetFullPath(reference!, Path.GetDirectoryName(Repo.Path(relativePath))!).Should().Be(SchemaPath);
    }

    [ToolFact("python3")]
    public async Task ShippedConfigs_Validate_WithAnIndependentValidator()
    {
        var files = ConfigFiles().Select(f => WithoutComments(Repo.Path(f))).ToList();

        var result = await ValidateAsync(files);

        result.ExitCode.Should().Be(0, result.All);
    }

    public static TheoryData<string, object, string> Misspelt => new()
    {
        { "EdgeProxy:Hstss", new { MaxAge = "1d" }, "EdgeProxy" },
        { "EdgeProxy:Hsts:MaxAgee", "1d", "EdgeProxy/Hsts" },
        { "ReverseProxy:Routes:app:Match:Host", new[] { "a.example.com" }, "ReverseProxy/Routes/app/Match" },
        { "ReverseProxy:Routes:app:Metadata:EdgeProxy.AlowFrom", "10.0.0.0/8", "ReverseProxy/Routes/app/Metadata" },
        { "Kestrel:Endpoints:Https:Certificate:Subject", "CN=x", "Kestrel/Endpoints/Https/Certificate" },
        { "EdgeProxy:Hsts:Owner", "Someone", "EdgeProxy/Hsts/Owner" },
        { "EdgeProxy:AccessLog:Enabled", "yes", "EdgeProxy/AccessLog/Enabled" },
    };

    [ToolTheory("python3")]
    [MemberData(nameof(Misspelt))]
    public async Task TheIndependentValidator_RefusesWhatCheckRefuses(string key, object value, string where)
    {
        var config = Parse(Repo.Path("config", "appsettings.reference.json"));
        JsonNode node = config;
        var segments = key.Split(':');
        foreach (var segment in segments[..^1])
        {
            node = node[segment] ??= new JsonObject();
        }

        node[segments[^1]] = JsonSerializer.SerializeToNode(value);
        var file = _dir.Combine("broken.json");
        File.WriteAllText(file, config.ToJsonString());

        var result = await ValidateAsync([file]);

        result.ExitCode.Should().Be(1, result.All);
        result.StdOut.Should().Contain($"broken.json: {where}:", result.All);
    }

    private async Task<ExternalTool.Result> ValidateAsync(IEnumerable<string> files)
    {
        var script = _dir.Combine("validate.py");
        await File.WriteAllTextAsync(script, Validator);
        var result = await ExternalTool.RunAsync(Python, [script, SchemaPath, .. files], TimeSpan.FromSeconds(60));
        result.StdErr.Should().NotContain("No module named 'jsonschema'", "Debian's python3-jsonschema is needed (test.sh installs it)");
        return result;
    }

    private static JsonObject Parse(string path) =>
        JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();

    /// <summary>EdgeProxy's files may carry comments, which a JSON Schema validator's JSON parser refuses: the same data without them.</summary>
    private string WithoutComments(string path)
    {
        var copy = _dir.Combine(Path.GetRelativePath(Repo.Root, path).Replace('/', '_'));
        File.WriteAllText(copy, Parse(path).ToJsonString());
        return copy;
    }
}
