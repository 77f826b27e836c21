using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Hosting;

namespace EdgeProxy.Tls;

/// <summary>
/// The certificate used when a TLS listener has none configured: generated once under the data folder,
/// reused on the next start, regenerated when it nears expiry or the configured host names change.
/// </summary>
internal static class SelfSignedCertificate
{
    private const string CertificateFile = "self-signed.crt.pem";
    private const string KeyFile = "self-signed.key.pem";
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);
    private static readonly Lock Gate = new();

    public static IReadOnlyList<string> DefaultHosts { get; } = ["localhost", "127.0.0.1", "::1"];

    public static string Directory(string dataPath) => Path.Combine(dataPath, "certs");

    /// <summary>Returns the spec of a usable self-signed pair, creating it when needed. <paramref name="created"/> says which.</summary>
    public static CertificateSpec GetOrCreate(string dataPath, IEnumerable<string> extraHosts, out bool created)
    {
        var hosts = DefaultHosts.Concat(extraHosts).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var directory = Directory(dataPath);
        var spec = new CertificateSpec("EdgeProxy:Certificates:SelfSigned", Path.Combine(directory, CertificateFile), Path.Combine(directory, KeyFile), null);
        lock (Gate)
        {
            created = !IsReusable(spec, hosts);
            if (created)
            {
                Create(spec, hosts);
            }
        }

        return spec;
    }

    private static bool IsReusable(CertificateSpec spec, string[] hosts)
    {
        if (!File.Exists(spec.Path) || !File.Exists(spec.KeyPath))
        {
            return false;
        }

        try
        {
            var loaded = CertificateLoader.Load(spec);
            return loaded.NotAfter - DateTimeOffset.UtcNow > RenewBefore && hosts.All(h => loaded.Leaf.MatchesHostname(h, allowWildcards: false));
        }
        catch (Exception ex) when (ex is CertificateLoadException or CryptographicException or IOException)
        {
            return false;
        }
    }

    private static void Create(CertificateSpec spec, string[] hosts)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=EdgeProxy self-signed", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
        {
            if (IPAddress.TryParse(host, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(host);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(Lifetime));

        AtomicFile.Write(spec.KeyPath!, key.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        AtomicFile.Write(spec.Path, certificate.ExportCertificatePem() + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }
}
