using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ForwardedHeaders;

/// <summary>
/// A real consumer nobody here wrote: Uvicorn with <c>--proxy-headers --forwarded-allow-ips</c> behind EdgeProxy
/// must compute the right client and scheme from what we send (Debian package python3-uvicorn).
/// </summary>
public sealed class UvicornInteropTests(UvicornInteropTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<UvicornInteropTests.Fixture>
{
    [Theory]
    [InlineData("127.0.0.9", "6.6.6.6", "/x", "127.0.0.9")] // spoofing from an untrusted client fails
    [InlineData("127.0.0.2", "203.0.113.7", "/x", "203.0.113.7")] // app trusts EdgeProxy and the balancer
    [InlineData("127.0.0.2", "6.6.6.6, 203.0.113.7", "/x", "203.0.113.7")]
    [InlineData("127.0.0.2", "203.0.113.7", "/any/x", "203.0.113.7")] // trust-all app: leftmost entry is the client
    [InlineData("127.0.0.2", "6.6.6.6, 203.0.113.7", "/any/x", "203.0.113.7")] // we dropped the forged entry it would have taken
    [InlineData("127.0.0.9", "6.6.6.6", "/any/x", "127.0.0.9")]
    public async Task Uvicorn_ComputesTheClientAndScheme(string source, string xff, string path, string expectedClient)
    {
        using var client = SourceBoundClient.Create(IPAddress.Parse(source), IPAddress.Loopback, fixture.Proxy.HttpsPort);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", xff);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "http");

        using var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(15));
        var body = await response.Content.ReadAsStringAsync();
        output.WriteLine(body);
        using var json = JsonDocument.Parse(body);

        json.RootElement.GetProperty("client").GetString().Should().Be(expectedClient);
        json.RootElement.GetProperty("scheme").GetString().Should().Be(source == "127.0.0.2" ? "http" : "https",
            "a trusted balancer's proto is passed on; an untrusted client's is replaced by the listener's");
    }

    public sealed class Fixture : IAsyncLifetime, IDisposable
    {
        private const string App = """
            import json

            async def app(scope, receive, send):
                if scope["type"] != "http":
                    return
                body = json.dumps({"client": scope["client"][0] if scope.get("client") else None, "scheme": scope["scheme"]}).encode()
                await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})
            """;

        private readonly TempDirectory _dir = new();
        private readonly List<Process> _processes = [];

        public ProxyInstance Proxy { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            File.WriteAllText(_dir.Combine("echo.py"), App);
            // Uvicorn walks X-Forwarded-For from the right like we do, so it trusts EdgeProxy and the same balancers.
            var edgeAndBalancer = await StartUvicornAsync("127.0.0.1,127.0.0.2");
            var everyone = await StartUvicornAsync("*");
            var config = ForwardedConfig.Create(_dir, edgeAndBalancer, "127.0.0.2")
                .Route("uvicorn-any", "/any/{**rest}", "any")
                .Set("ReverseProxy:Routes:uvicorn-any:Order", -1)
                .Cluster("any", everyone);
            Proxy = await ProxyInstance.StartAsync(config, null);
        }

        public async Task DisposeAsync()
        {
            await Proxy.DisposeAsync();
            foreach (var process in _processes)
            {
                process.Kill();
                await process.WaitForExitAsync();
                process.Dispose();
            }
        }

        public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

        private async Task<string> StartUvicornAsync(string allowIps)
        {
            var port = FreePort();
            var start = new ProcessStartInfo("/usr/bin/python3")
            {
                WorkingDirectory = _dir.Path,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in (string[])["-m", "uvicorn", "echo:app", "--host", "127.0.0.1", "--port", port.ToString(), "--proxy-headers", "--forwarded-allow-ips", allowIps, "--no-access-log"])
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("python3 -m uvicorn did not start (apt-get install python3-uvicorn)");
            _processes.Add(process);
            process.ErrorDataReceived += (_, e) => Log(e.Data);
            process.OutputDataReceived += (_, e) => Log(e.Data);
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();

            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (DateTime.UtcNow < deadline)
            {
                process.HasExited.Should().BeFalse("uvicorn must run; is python3-uvicorn installed?");
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port);
                    return $"http://127.0.0.1:{port}/";
                }
                catch (SocketException)
                {
                    await Task.Delay(100);
                }
            }

            throw new TimeoutException("uvicorn did not listen within 15 s");
        }

        private static void Log(string? line)
        {
            if (line is not null)
            {
                Console.Error.WriteLine("uvicorn: " + line);
            }
        }

        private static int FreePort() => TestClients.FreePort();
    }
}
