using System.Net;
using System.Net.Sockets;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Configuration;

/// <summary>
/// Unknown keys as an operator meets them: <c>dotnet EdgeProxy.dll</c> in its own process, with the real environment,
/// command line and file. The process exits 1 naming the key and the fix, and never accepts a connection.
/// </summary>
[Trait(EdgeProxyProcess.Trait, EdgeProxyProcess.TraitValue)]
public sealed class UnknownKeyProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string?, string?, string> Cases => new()
    {
        // file setting; environment variable; command-line override; expected line
        { "", "EdgeProxy__HttpsRedirct__Port=443", null, "FAIL EdgeProxy:HttpsRedirct: unknown key (environment variable EdgeProxy__HttpsRedirct__Port); did you mean EdgeProxy:HttpsRedirect?" },
        { "", null, "ReverseProxy:Routes:r1:Metadata:EdgeProxy.AlowFrom=10.0.0.0/8", "FAIL ReverseProxy:Routes:r1:Metadata:EdgeProxy.AlowFrom: unknown key (command-line override ReverseProxy:Routes:r1:Metadata:EdgeProxy.AlowFrom=10.0.0.0/8); did you mean ReverseProxy:Routes:r1:Metadata:EdgeProxy.AllowFrom?" },
        { "ReverseProxy:Routes:r1:Match:Host:0=app.example.com", null, null, "FAIL ReverseProxy:Routes:r1:Match:Host: unknown key; did you mean ReverseProxy:Routes:r1:Match:Hosts?" },
        { "Serilog:WriteTo:0:Name=Consol", null, null, "FAIL Serilog:WriteTo:0:Name: 'Consol' is not a sink Serilog can find (names are case-sensitive); did you mean 'Console'?" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Run_ExitsOne_NamingTheKey_WithoutEverListening(string file, string? env, string? arg, string expected)
    {
        var (https, admin) = (TestClients.FreePort(), TestClients.FreePort());
        var config = new TestConfig(_dir.Path).Route("r1", "{**any}", "c1").Cluster("c1", "http://127.0.0.1:5080/")
            .Set("Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{https}").Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{admin}");
        if (file.Length > 0)
        {
            config.Set(file[..file.IndexOf('=', StringComparison.Ordinal)], file[(file.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        }

        var variables = env is null ? null : new Dictionary<string, string?> { [env[..env.IndexOf('=', StringComparison.Ordinal)]] = env[(env.IndexOf('=', StringComparison.Ordinal) + 1)..] };
        string[] args = arg is null ? ["--config", config.Write()] : ["--config", config.Write(), arg];

        var check = await EdgeProxyProcess.RunAsync(["check", .. args], TimeSpan.FromSeconds(60), env: variables, workingDirectory: _dir.Path);
        check.ExitCode.Should().Be(1, check.All);
        check.StdOut.Should().Contain(expected);

        await using var proxy = EdgeProxyProcess.Start(_dir.Path, args, variables);
        (await proxy.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().Be(1, proxy.Output);
        proxy.Output.Should().Contain(expected);
        foreach (var port in new[] { https, admin })
        {
            var connect = async () =>
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
            };
            await connect.Should().ThrowAsync<SocketException>("a refused configuration never gets to bind");
        }
    }
}
