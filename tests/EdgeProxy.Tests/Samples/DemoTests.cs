using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Samples;

/// <summary>The README's first command: the demo upstream plus EdgeProxy on the shipped config/appsettings.json.</summary>
public sealed class DemoTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Demo_OnShippedConfig_ProxiesOverHttps_AndRedirectsHttp()
    {
        // Only the ports (and the data folder) move, so the test never collides with a running demo.
        var (https, http, admin, upstream) = (TestClients.FreePort(), TestClients.FreePort(), TestClients.FreePort(), TestClients.FreePort());
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = Repo.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "Demo.dll"),
            $"Kestrel:Endpoints:Https:Url=https://127.0.0.1:{https}",
            $"Kestrel:Endpoints:Http:Url=http://127.0.0.1:{http}",
            $"EdgeProxy:Admin:Urls=http://127.0.0.1:{admin}",
            $"EdgeProxy:DataPath={_dir.Combine("data")}",
            $"ReverseProxy:Clusters:demo:Destinations:demo:Address=http://127.0.0.1:{upstream}/",
        })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DEMO_UPSTREAM_URL"] = $"http://127.0.0.1:{upstream}";
        using var demo = System.Diagnostics.Process.Start(info)!;
        var logs = new System.Text.StringBuilder();
        demo.OutputDataReceived += (_, e) => { lock (logs) { logs.AppendLine(e.Data); } };
        demo.ErrorDataReceived += (_, e) => { lock (logs) { logs.AppendLine(e.Data); } };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        try
        {
            using var adminClient = TestClients.Plain(admin);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline && !demo.HasExited)
            {
                try
                {
                    if ((await adminClient.GetAsync("/readyz")).IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(100);
            }

            using var client = TestClients.Https(https, trustAny: true); // the shipped config serves the self-signed certificate
            var body = await client.GetStringAsync("/hello");
            body.Should().Contain("Hello from the EdgeProxy demo upstream").And.Contain("\"path\":\"/hello\"");

            using var plain = TestClients.Plain(http);
            using var redirect = await plain.GetAsync("/x");
            redirect.StatusCode.Should().Be(HttpStatusCode.PermanentRedirect);
            redirect.Headers.Location!.AbsolutePath.Should().Be("/x");
        }
        finally
        {
            if (!demo.HasExited)
            {
                demo.Kill(entireProcessTree: true);
            }

            await demo.WaitForExitAsync();
            lock (logs)
            {
                output.WriteLine(logs.ToString());
            }
        }
    }
}
