using EdgeProxy.Tests.ClientCertificates;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Tls;

/// <summary>
/// One https listener whose server names differ in each TLS setting the 421 rule compares: the endpoint's own
/// certificate (localhost, 127.0.0.1) as the default entry; open.test and also.test on one certificate with the same
/// settings; mtls.test requiring a client certificate; *.wild.test on a wildcard certificate; h1.test (HTTP/1.1 only),
/// tls13.test (TLS 1.3 only) and allow.test (client certificate optional) on open.test's certificate. A second listener,
/// Single, has one policy for every name. Everything routes to a recording upstream; mtls.test also has a route of its own.
/// </summary>
public sealed class MisdirectedRequestFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();

    public ProxyInstance Proxy { get; private set; } = null!;

    public RecordingUpstream Upstream { get; private set; } = null!;

    public ClientCertificate Client { get; private set; } = null!;

    public int Port => Proxy.HttpsPort;

    public int SinglePort => Proxy.Services.GetRequiredService<EdgeProxy.Tls.ListenerBinder>().Listeners.Single(l => l.Name == "Single").BoundPort;

    public async Task InitializeAsync()
    {
        var pki = TestPki.Instance;
        Upstream = await RecordingUpstream.StartAsync();
        Client = new ClientCertificate(pki.IssueClient("CN=mtls client"), pki.Intermediate, _dir.Combine("clients"), "client");
        var certs = _dir.Combine("certs");
        var shared = Pem(pki.WritePem(pki.IssueServer("open.test", ["open.test", "also.test", "h1.test", "tls13.test", "allow.test"]), certs, "shared"));
        var config = new TestConfig(_dir.Path)
            .Set("Kestrel:Endpoints:Https:Sni:open.test:Certificate", shared)
            .Set("Kestrel:Endpoints:Https:Sni:also.test:Certificate", shared)
            .Set("Kestrel:Endpoints:Https:Sni:mtls.test:Certificate", Pem(pki.WritePem(pki.IssueServer("mtls.test", ["mtls.test"]), certs, "mtls")))
            .Set("Kestrel:Endpoints:Https:Sni:mtls.test:ClientCertificateMode", "RequireCertificate")
            .Set("Kestrel:Endpoints:Https:Sni:*.wild.test:Certificate", Pem(pki.WritePem(pki.IssueServer("wild.test", ["*.wild.test"]), certs, "wild")))
            .Set("Kestrel:Endpoints:Https:Sni:h1.test:Certificate", shared)
            .Set("Kestrel:Endpoints:Https:Sni:h1.test:Protocols", "Http1")
            .Set("Kestrel:Endpoints:Https:Sni:tls13.test:Certificate", shared)
            .Set("Kestrel:Endpoints:Https:Sni:tls13.test:SslProtocols", new[] { "Tls13" })
            .Set("Kestrel:Endpoints:Https:Sni:allow.test:Certificate", shared)
            .Set("Kestrel:Endpoints:Https:Sni:allow.test:ClientCertificateMode", "AllowCertificate")
            .Set("Kestrel:Endpoints:Single:Url", "https://127.0.0.1:0")
            .Set("Kestrel:Endpoints:Single:Certificate", shared)
            .Set("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { pki.WriteCaBundle(_dir.Combine("ca")) })
            .Set("EdgeProxy:ClientCertificates:Forward", "Nginx")
            .Set("Serilog:MinimumLevel:Override:Microsoft.AspNetCore.Server.Kestrel.Connections", "Debug") // "accepted" per TCP connection
            .Route("all", "{**rest}", "app")
            .Set("ReverseProxy:Routes:mtls:ClusterId", "app")
            .Set("ReverseProxy:Routes:mtls:Match:Hosts", new[] { "mtls.test" })
            .Set("ReverseProxy:Routes:mtls:Match:Path", "{**rest}")
            .Set("ReverseProxy:Routes:mtls:Metadata", new Dictionary<string, string> { ["EdgeProxy.ClientCert"] = "Required" })
            .Cluster("app", Upstream.Url);
        Proxy = await ProxyInstance.StartAsync(config, null);
    }

    /// <summary>How many TCP connections Kestrel accepted so far (its own Debug event, one per connection).</summary>
    public int AcceptedConnections => Proxy.Logs.Events.Count(e => e.MessageTemplate.Text.Contains("accepted", StringComparison.Ordinal)
        && e.Properties.TryGetValue("SourceContext", out var source) && source.ToString() == "\"Microsoft.AspNetCore.Server.Kestrel.Connections\"");

    public async Task DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync

    private static object Pem((string Cert, string Key) files) => new { Path = files.Cert, KeyPath = files.Key };
}
