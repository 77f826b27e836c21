using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Tests.Bench;

/// <summary>
/// bench/run.sh is not run by CI, so its inputs are checked here: the EdgeProxy config passes
/// <c>check</c> and the plain-YARP config passes YARP's own validation. (The bench projects themselves
/// are in EdgeProxy.sln, so the build proves they compile.) No timing here, ever.
/// </summary>
public sealed class BenchConfigTests
{
    private static readonly string BenchConfig = Path.Combine(RepositoryRoot(), "bench", "config");

    [Fact]
    public void EdgeProxyBenchConfig_PassesCheck()
    {
        using var temp = new TempDirectory();
        var configPath = temp.Combine("edgeproxy.json");
        File.Copy(Path.Combine(BenchConfig, "edgeproxy.json"), configPath);
        WriteBenchCertificate(temp);

        var output = new StringWriter();
        var exit = CheckCommand.Run(CommandLine.Parse(["check", "--config", configPath]), temp.Path, output, new StringWriter());

        exit.Should().Be(0, output.ToString());
        output.ToString().Should().NotContain("FAIL");
    }

    [Fact]
    public async Task PlainYarpBenchConfig_PassesYarpValidation()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(BenchConfig, "plain-yarp.json")).Build();
        configuration["Kestrel:Endpoints:Https:Url"].Should().StartWith("https://127.0.0.1:");
        configuration["Kestrel:Endpoints:Https:Certificate:Path"].Should().NotBeNullOrEmpty();

        var services = new ServiceCollection().AddLogging().AddRouting();
        services.AddReverseProxy().LoadFromConfig(configuration.GetSection("ReverseProxy"));
        await using var provider = services.BuildServiceProvider();
        var proxyConfig = provider.GetRequiredService<IProxyConfigProvider>().GetConfig();
        var validator = provider.GetRequiredService<IConfigValidator>();

        proxyConfig.Routes.Should().NotBeEmpty();
        foreach (var route in proxyConfig.Routes)
        {
            (await validator.ValidateRouteAsync(route)).Should().BeEmpty(route.RouteId);
        }

        foreach (var cluster in proxyConfig.Clusters)
        {
            (await validator.ValidateClusterAsync(cluster)).Should().BeEmpty(cluster.ClusterId);
        }
    }

    private static void WriteBenchCertificate(TempDirectory temp)
    {
        var certs = Directory.CreateDirectory(temp.Combine("certs")).FullName;
        var leaf = TestPki.Instance.IssueServer("localhost", ["localhost", "127.0.0.1"]);
        var (certPath, keyPath) = TestPki.Instance.WritePem(leaf, certs, "bench");
        File.Move(certPath, Path.Combine(certs, "cert.pem"));
        File.Move(keyPath, Path.Combine(certs, "key.pem"));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeProxy.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("EdgeProxy.sln not found above " + AppContext.BaseDirectory);
    }
}
