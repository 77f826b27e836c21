using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Acme;

/// <summary>
/// A real pebble ACME CA with pebble-challtestsrv as its DNS (every name is 127.0.0.1, no AAAA), all on loopback
/// ports chosen here. Its HTTPS listener uses a certificate from the test PKI, trusted through <see cref="CaBundle"/>.
/// Both processes are ours by PID and are killed in <see cref="DisposeAsync"/>.
/// </summary>
public sealed class PebbleServer : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly int _managementPort;

    private PebbleServer(int apiPort, int managementPort, string caBundle)
    {
        DirectoryUrl = $"https://127.0.0.1:{apiPort}/dir";
        _managementPort = managementPort;
        CaBundle = caBundle;
    }

    public string DirectoryUrl { get; }

    /// <summary>The PEM bundle that makes pebble's own HTTPS listener trusted (EdgeProxy's CaBundle).</summary>
    public string CaBundle { get; }

    /// <summary>Starts pebble validating HTTP-01 on 127.0.0.1:<paramref name="httpPort"/> and TLS-ALPN-01 on <paramref name="tlsPort"/>.</summary>
    public static async Task<PebbleServer> StartAsync(string directory, ITestOutputHelper output, int httpPort, int validitySeconds = 3600, int nonceRejectPercent = 0, int? tlsPort = null)
    {
        // Ports are picked free and then released; under a parallel test run another test can take one first,
        // and pebble then exits at once. Start again on fresh ports rather than fail.
        for (var attempt = 1; ; attempt++)
        {
            var server = await TryStartAsync(directory, output, httpPort, validitySeconds, nonceRejectPercent, tlsPort);
            if (server.IsRunning || attempt == 3)
            {
                return server.IsRunning ? server : throw new Xunit.Sdk.XunitException("pebble did not start; see the test output");
            }

            await server.DisposeAsync();
        }
    }

    private bool IsRunning { get; set; }

    private static async Task<PebbleServer> TryStartAsync(string directory, ITestOutputHelper output, int httpPort, int validitySeconds, int nonceRejectPercent, int? tlsPort)
    {
        var pki = TestPki.Instance;
        var (cert, key) = pki.WritePem(pki.IssueServer("pebble", ["127.0.0.1", "localhost"]), Path.Combine(directory, "pebble"), "listener");
        var (api, management, dns, dnsManagement) = (FreePort(), FreePort(), FreePort(), FreePort());
        tlsPort ??= FreePort();
        var server = new PebbleServer(api, management, pki.WriteCaBundle(Path.Combine(directory, "pebble")));
        var config = new JsonObject
        {
            ["pebble"] = new JsonObject
            {
                ["listenAddress"] = $"127.0.0.1:{api}",
                ["managementListenAddress"] = $"127.0.0.1:{management}",
                ["certificate"] = cert,
                ["privateKey"] = key,
                ["httpPort"] = httpPort,
                ["tlsPort"] = tlsPort,
                ["ocspResponderURL"] = string.Empty,
                ["externalAccountBindingRequired"] = false,
                ["certificateValidityPeriod"] = validitySeconds,
            },
        };
        var configPath = Path.Combine(directory, "pebble", "pebble.json");
        await File.WriteAllTextAsync(configPath, config.ToJsonString());

        // Loopback only: challtestsrv's default listeners bind every interface, so each is given or disabled.
        server.Start(output, "pebble-challtestsrv", ["-dns01", $"127.0.0.1:{dns}", "-management", $"127.0.0.1:{dnsManagement}", "-http01", string.Empty, "-https01", string.Empty, "-tlsalpn01", string.Empty, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", string.Empty], []);
        server.Start(output, "pebble", ["-config", configPath, "-dnsserver", $"127.0.0.1:{dns}"], new()
        {
            ["PEBBLE_VA_NOSLEEP"] = "1",
            ["PEBBLE_WFE_NONCEREJECT"] = nonceRejectPercent.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PEBBLE_AUTHZREUSE"] = "0",
        });
        server.IsRunning = await server.WaitUntilServingAsync();
        return server;
    }

    /// <summary>The root pebble issues under, from its management API (a new one on every start).</summary>
    public async Task<X509Certificate2> RootAsync()
    {
        using var client = CreateClient();
        return X509Certificate2.CreateFromPem(await client.GetStringAsync($"https://127.0.0.1:{_managementPort}/roots/0"));
    }

    public static int FreePort() => TestClients.FreePort();

    private static HttpClient CreateClient() => new(new HttpClientHandler
    {
        // pebble's listener certificate is from the test PKI; only that PKI is trusted.
        ServerCertificateCustomValidationCallback = (_, certificate, chain, _) => certificate is not null && TestPki.Instance.Validates(certificate, chain!.ChainPolicy.ExtraStore),
    })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    private void Start(ITestOutputHelper output, string tool, string[] args, Dictionary<string, string> env)
    {
        var info = new ProcessStartInfo(ExternalTool.Require(tool)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in env)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info)!;
        _processes.Add(process);
        process.OutputDataReceived += (_, e) => Write(output, tool, e.Data);
        process.ErrorDataReceived += (_, e) => Write(output, tool, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private static void Write(ITestOutputHelper output, string tool, string? line)
    {
        try
        {
            if (line is not null)
            {
                output.WriteLine($"[{tool}] {line}");
            }
        }
        catch (InvalidOperationException)
        {
            // The test already finished.
        }
    }

    private async Task<bool> WaitUntilServingAsync()
    {
        using var client = CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && _processes.TrueForAll(p => !p.HasExited))
        {
            try
            {
                (await client.GetAsync(DirectoryUrl)).EnsureSuccessStatusCode();
                return true;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(100);
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
            }

            process.Dispose();
        }
    }
}
