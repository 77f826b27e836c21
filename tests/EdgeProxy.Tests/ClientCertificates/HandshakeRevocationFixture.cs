using System.Security.Cryptography.X509Certificates;
using EdgeProxy.ClientCertificates.Revocation;
using EdgeProxy.Tests.ClientCertificates.Revocation;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.ClientCertificates;

/// <summary>
/// One proxy per revocation mode, each with <c>RequireCertificate</c> on its endpoint (SNI localhost) and an SNI entry
/// <c>allow.test</c> with <c>AllowCertificate</c>; a CRL for the test PKI's intermediate; a real openssl OCSP responder
/// for the revocation PKI's intermediate, named in its leaves' AIA; a recording upstream behind a catch-all route and a
/// <c>/secure/</c> route that requires a certificate.
/// </summary>
public sealed class HandshakeRevocationFixture : IAsyncLifetime, IDisposable
{
    public const string AllowHost = "allow.test";

    private readonly TempDirectory _dir = new();
    private readonly Dictionary<RevocationMode, Task<ProxyInstance>> _proxies = [];
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ClientCertificate> _certificates = [];
    private readonly List<X509Certificate2> _crlRevoked = [];
    private int _crlNumber;

    public RecordingUpstream Upstream { get; private set; } = null!;

    public OpenSslOcspResponder Responder { get; private set; } = null!;

    public string CrlPath => _dir.Combine("crl", "intermediate.crl");

    public ClientCertificate this[string name] => _certificates[name];

    public async Task InitializeAsync()
    {
        var revocationPki = RevocationPki.Instance;
        Upstream = await RecordingUpstream.StartAsync();
        Responder = await new OpenSslOcspResponder(revocationPki.Intermediate, revocationPki.Intermediate, "-nmin", "5").StartAsync();
        Add("crl-good", TestPki.Instance.IssueClient("CN=crl good"), TestPki.Instance.Intermediate);
        Add("crl-revoked", TestPki.Instance.IssueClient("CN=crl revoked"), TestPki.Instance.Intermediate);
        Add("ocsp-good", NewOcspLeaf("ocsp good", good: true), revocationPki.Intermediate);
        Add("ocsp-revoked", NewOcspLeaf("ocsp revoked", good: false), revocationPki.Intermediate);
        Add("ocsp-unknown", RevocationPki.IssueLeaf(revocationPki.Intermediate, "ocsp unknown to the responder", Responder.Url.ToString()), revocationPki.Intermediate);
        Add("ocsp-unreachable", RevocationPki.IssueLeaf(revocationPki.Intermediate, "ocsp responder down", OcspClientTests.ClosedPortUrl().ToString()), revocationPki.Intermediate);
        await RevokeInCrlAsync(this["crl-revoked"].Leaf);
    }

    /// <summary>A leaf of the revocation PKI whose AIA names the responder, listed there as good or revoked.</summary>
    public X509Certificate2 NewOcspLeaf(string name, bool good)
    {
        var leaf = RevocationPki.IssueLeaf(RevocationPki.Instance.Intermediate, name, Responder.Url.ToString());
        _ = good ? Responder.Valid(leaf) : Responder.Revoked(leaf);
        return leaf;
    }

    public ClientCertificate Add(string name, X509Certificate2 leaf, X509Certificate2 issuer)
    {
        var certificate = new ClientCertificate(leaf, issuer, _dir.Combine("clients"), name);
        _certificates[name] = certificate;
        return certificate;
    }

    /// <summary>Replaces the CRL file (atomically, as a CA's publisher would) with one that also lists <paramref name="leaf"/>.</summary>
    public async Task RevokeInCrlAsync(X509Certificate2 leaf)
    {
        _crlRevoked.Add(leaf);
        Directory.CreateDirectory(Path.GetDirectoryName(CrlPath)!);
        await File.WriteAllBytesAsync(CrlPath + ".new", RevocationPki.BuildCrl(TestPki.Instance.Intermediate, _crlRevoked, crlNumber: ++_crlNumber));
        File.Move(CrlPath + ".new", CrlPath, overwrite: true);
    }

    public Task<ProxyInstance> Proxy(RevocationMode mode)
    {
        lock (_lock)
        {
            if (!_proxies.TryGetValue(mode, out var proxy))
            {
                proxy = StartAsync(Config(_dir.Combine(mode.ToString()), mode));
                _proxies[mode] = proxy;
            }

            return proxy;
        }
    }

    /// <summary>The configuration every proxy of this fixture runs, for tests that start their own variant.</summary>
    public TestConfig Config(string directory, RevocationMode mode)
    {
        var pki = TestPki.Instance;
        var (allowCert, allowKey) = pki.WritePem(pki.IssueServer(AllowHost, [AllowHost]), Path.Combine(directory, "certs"), "allow");
        var revocationCa = Path.Combine(directory, "ca", "revocation-ca.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(revocationCa)!);
        File.WriteAllText(revocationCa, RevocationPki.Instance.Root.ExportCertificatePem() + "\n" + RevocationPki.Instance.Intermediate.ExportCertificatePem() + "\n");
        var config = new TestConfig(directory)
            .Set("Kestrel:Endpoints:Https:ClientCertificateMode", "RequireCertificate")
            .Set($"Kestrel:Endpoints:Https:Sni:{AllowHost}:Certificate", new { Path = allowCert, KeyPath = allowKey })
            .Set($"Kestrel:Endpoints:Https:Sni:{AllowHost}:ClientCertificateMode", "AllowCertificate")
            .Set("EdgeProxy:ClientCertificates:TrustedCaFiles", new[] { pki.WriteCaBundle(Path.Combine(directory, "ca")), revocationCa })
            .Set("EdgeProxy:ClientCertificates:Revocation", mode.ToString())
            .Set("EdgeProxy:ClientCertificates:Ocsp:Timeout", "3s")
            .Set("EdgeProxy:ClientCertificates:Forward", "Nginx")
            .Route("open", "{**rest}", "app")
            .Route("secure", "/secure/{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.ClientCert"] = "Required" })
            .Route("chain", "/chain/{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.ClientCert.Forward"] = "Rfc9440" })
            .Cluster("app", Upstream.Url);
        if (mode is RevocationMode.Crl or RevocationMode.CrlOrOcsp)
        {
            config.Set("EdgeProxy:ClientCertificates:CrlFiles", new[] { CrlPath }).Set("EdgeProxy:ClientCertificates:CrlReloadInterval", "200ms");
        }

        return config;
    }

    private static Task<ProxyInstance> StartAsync(TestConfig config) => ProxyInstance.StartAsync(config, null);

    public async Task DisposeAsync()
    {
        foreach (var proxy in _proxies.Values)
        {
            await (await proxy).DisposeAsync();
        }

        await Responder.DisposeAsync();
        await Upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose(); // xunit calls this after DisposeAsync
}
