using EdgeProxy.Admin;
using EdgeProxy.Authentication;
using EdgeProxy.Configuration;
using EdgeProxy.ErrorPages;
using EdgeProxy.Observability;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tls;

namespace EdgeProxy.Tests.Configuration;

/// <summary>Every JSON file under config/ and samples/ goes through the real layers, binder and validators, so docs cannot rot.</summary>
public sealed class ConfigSamplesTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var folder in new[] { "config", "samples" })
        {
            foreach (var file in Directory.EnumerateFiles(Repo.Path(folder), "*.json", SearchOption.AllDirectories)
                         .Where(f => !f.EndsWith(ConfigSchema.FileName, StringComparison.Ordinal) && !f.Contains("/bin/") && !f.Contains("/obj/") && !f.Contains("node_modules") && !f.EndsWith("launchSettings.json") && !f.Contains("package")))
            {
                data.Add(Path.GetRelativePath(Repo.Root, file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ConfigFile_PassesValidation_AndBinds(string relativePath)
    {
        var file = new ConfigFile(Repo.Path(relativePath), IsExplicit: true);
        var report = new ConfigReport();
        EdgeProxyConfiguration.CheckFile(file, report).Should().BeTrue(string.Join('\n', report.Findings));
        var builder = new ConfigurationBuilder();
        EdgeProxyConfiguration.AddLayers(builder, file, [], watch: false);
        var config = builder.Build();

        ConfigChecker.Check(config, Repo.Root, report);

        // Samples name certificate, CA and CRL files of the operator's machine (/certs/...); everything else must pass.
        var failures = report.Failures.Where(f => !f.Message.Contains("not found", StringComparison.Ordinal)).ToList();
        failures.Should().BeEmpty(string.Join('\n', failures));
        var bind = () =>
        {
            config.GetSection(EdgeProxyOptions.SectionName).Get<EdgeProxyOptions>();
            config.GetSection(AdminOptions.SectionName).Get<AdminOptions>();
            config.GetSection(HttpsRedirectOptions.SectionName).Get<HttpsRedirectOptions>();
            config.GetSection(ErrorPageOptions.SectionName).Get<ErrorPageOptions>();
            config.GetSection(AccessLogOptions.SectionName).Get<AccessLogOptions>();
            config.GetSection(EdgeProxyAuthenticationOptions.SectionName).Get<EdgeProxyAuthenticationOptions>();
            config.GetSection(EdgeProxyAuthorizationOptions.SectionName).Get<EdgeProxyAuthorizationOptions>();
            config.GetSection(EdgeProxy.Streaming.StreamingOptions.SectionName).Get<EdgeProxy.Streaming.StreamingOptions>();
            config.GetSection(EdgeProxy.RateLimiting.RateLimitingOptions.SectionName).Get<EdgeProxy.RateLimiting.RateLimitingOptions>();
        };
        bind.Should().NotThrow();
    }

    [Fact]
    public void ReferenceConfig_DocumentsEveryBuiltInDefaultKey()
    {
        var reference = File.ReadAllText(Repo.Path("config", "appsettings.reference.json"));

        foreach (var key in BuiltInDefaults.Values.Keys.Where(k => !k.StartsWith("Serilog", StringComparison.Ordinal)))
        {
            reference.Should().Contain($"\"{key.Split(':')[^1]}\"", key);
        }

        foreach (var key in new[] { "DataPath", "ShutdownTimeout", "Urls", "HttpsRedirect", "ReloadInterval", "SelfSigned", "Detailed", "IncludeQueryString" })
        {
            reference.Should().Contain($"\"{key}\"");
        }
    }
}
