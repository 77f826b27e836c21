using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// An EdgeProxy JSON config for one test: every listener on 127.0.0.1:0, its own data folder, fast
/// certificate polling. Keys are set with the same colon paths operators see in findings.
/// </summary>
public sealed class TestConfig
{
    public TestConfig(string directory)
    {
        Directory = directory;
        Set("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0");
        Set("Kestrel:Endpoints:Https:Url", "https://127.0.0.1:0");
        Set("EdgeProxy:Admin:Urls", "http://127.0.0.1:0");
        Set("EdgeProxy:DataPath", Path.Combine(directory, "data"));
        Set("EdgeProxy:Certificates:ReloadInterval", "200ms");
        Set("EdgeProxy:ShutdownTimeout", "10s");
        var pki = TestPki.Instance;
        var (cert, key) = pki.WritePem(pki.IssueServer("localhost", ["localhost", "127.0.0.1", "::1"]), System.IO.Path.Combine(directory, "certs"), "default");
        WithCertificate(cert, key);
    }

    /// <summary>
    /// The listeners of a proxy run as a process: https on <paramref name="https"/> (no http listener) and the admin
    /// listener on <paramref name="admin"/>, whose /readyz <see cref="EdgeProxyProcess.WaitReadyAsync"/> waits for.
    /// </summary>
    public TestConfig ProcessListeners(int https, int admin) =>
        Set("Kestrel:Endpoints:Https:Url", $"https://127.0.0.1:{https}").Remove("Kestrel:Endpoints:Http")
            .Set("EdgeProxy:Admin:Urls", $"http://127.0.0.1:{admin}");

    /// <summary>Drops the test PKI certificate so the proxy falls back to its self-signed one.</summary>
    public TestConfig WithoutCertificate(string endpoint = "Https") => Remove($"Kestrel:Endpoints:{endpoint}:Certificate");

    public string Directory { get; }

    public JsonObject Root { get; } = [];

    public TestConfig Set(string key, object? value)
    {
        var segments = key.Split(':');
        var node = Root;
        foreach (var segment in segments[..^1])
        {
            if (node[segment] is not JsonObject child)
            {
                child = [];
                node[segment] = child;
            }

            node = child;
        }

        node[segments[^1]] = value is null ? null : JsonSerializer.SerializeToNode(value);
        return this;
    }

    public TestConfig Remove(string key)
    {
        var segments = key.Split(':');
        var node = Root;
        foreach (var segment in segments[..^1])
        {
            if (node[segment] is not JsonObject child)
            {
                return this;
            }

            node = child;
        }

        node.Remove(segments[^1]);
        return this;
    }

    public TestConfig Route(string routeId, string path, string clusterId, IDictionary<string, string>? metadata = null)
    {
        Set($"ReverseProxy:Routes:{routeId}:ClusterId", clusterId);
        Set($"ReverseProxy:Routes:{routeId}:Match:Path", path);
        if (metadata is not null)
        {
            Set($"ReverseProxy:Routes:{routeId}:Metadata", metadata);
        }

        return this;
    }

    public TestConfig Cluster(string clusterId, params string[] addresses)
    {
        for (var i = 0; i < addresses.Length; i++)
        {
            Set($"ReverseProxy:Clusters:{clusterId}:Destinations:d{i}:Address", addresses[i]);
        }

        return this;
    }

    /// <summary>Uses a certificate from the test PKI on the Https endpoint.</summary>
    public TestConfig WithCertificate(string certPath, string keyPath, string endpoint = "Https")
    {
        Set($"Kestrel:Endpoints:{endpoint}:Certificate:Path", certPath);
        Set($"Kestrel:Endpoints:{endpoint}:Certificate:KeyPath", keyPath);
        return this;
    }

    public string Write(string fileName = "appsettings.json")
    {
        var path = Path.Combine(Directory, fileName);
        var temp = path + ".tmp";
        File.WriteAllText(temp, Root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, path, overwrite: true);
        return path;
    }
}
