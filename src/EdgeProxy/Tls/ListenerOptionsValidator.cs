using EdgeProxy.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeProxy.Tls;

/// <summary>
/// <c>Kestrel:Endpoints</c> and <c>Kestrel:Certificates</c> as bound: every listener checked and every configured
/// certificate loaded once, so a bad file is refused at start and on reload.
/// </summary>
internal sealed class ListenerOptionsValidator(ConfigContext context, IConfiguration configuration) : OptionsValidator<ListenerOptions>
{
    /// <summary>How the finding for an https endpoint without a certificate begins; the start-up log says it once, with the fingerprint.</summary>
    public const string NoCertificate = "no certificate configured";

    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(14);

    public override void Check(ListenerOptions options, ConfigReport report) =>
        Validate(options, context.ContentRoot, BoundOptions.Get<EdgeProxyOptions>(configuration).DataPath, report);

    private static void Validate(ListenerOptions options, string contentRoot, string dataPath, ConfigReport report)
    {
        var endpoints = EndpointReader.Read(options, contentRoot, report);
        if (endpoints.Count == 0)
        {
            report.Fail(EndpointReader.SectionName, "no listeners configured; add e.g. Https: { Url: \"https://*:8443\" }");
        }

        var checkedFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints.Where(e => e.IsHttps))
        {
            if (endpoint.Tls.Certificate is { } certificate)
            {
                CheckCertificate(certificate, checkedFiles, report);
            }
            else if (endpoint.Sni.Count == 0)
            {
                report.Warn(endpoint.Key + ":Certificate", $"{NoCertificate}: a self-signed certificate is generated under {SelfSignedCertificate.Directory(dataPath)} and browsers will not trust it");
            }

            foreach (var sni in endpoint.Sni)
            {
                if (sni.Tls.Certificate is { } sniCertificate)
                {
                    CheckCertificate(sniCertificate, checkedFiles, report);
                }
                else
                {
                    report.Fail(sni.Key + ":Certificate", $"no certificate for '{sni.Host}' and none on {endpoint.Key}:Certificate or Kestrel:Certificates:Default");
                }
            }

            if ((endpoint.Sni.Aggregate(endpoint.Protocols, (p, s) => p | s.Tls.Protocols) & HttpProtocols.Http3) != 0)
            {
                var platform = ListenerBinder.Http3Supported ? "this platform has QUIC, but" : "this platform has no QUIC (libmsquic) and";
                report.Warn(endpoint.Key + ":Protocols", $"HTTP/3 requested: {platform} EdgeProxy does not serve HTTP/3 yet; serving HTTP/1.1 and HTTP/2");
            }

            report.Ok(endpoint.Key, $"{endpoint.Address} ({endpoint.Tls.SslProtocols}, {endpoint.Protocols})");
        }

        foreach (var endpoint in endpoints.Where(e => !e.IsHttps))
        {
            report.Ok(endpoint.Key, $"{endpoint.Address} (plain HTTP)");
        }
    }

    private static void CheckCertificate(CertificateSpec spec, HashSet<string> checkedFiles, ConfigReport report)
    {
        if (!checkedFiles.Add(spec.Path + "|" + spec.KeyPath))
        {
            return;
        }

        LoadedCertificate loaded;
        try
        {
            loaded = CertificateLoader.Load(spec);
        }
        catch (CertificateLoadException ex)
        {
            report.Fail(ex.Key, ex.Message);
            return;
        }

        var now = DateTimeOffset.UtcNow;
        var key = spec.Key + ":Path";
        if (loaded.NotAfter <= now)
        {
            report.Fail(key, $"certificate {loaded.Leaf.Subject} in '{spec.Path}' expired on {loaded.NotAfter:yyyy-MM-dd HH:mm}Z");
        }
        else if (loaded.NotBefore > now)
        {
            report.Fail(key, $"certificate {loaded.Leaf.Subject} in '{spec.Path}' is not valid before {loaded.NotBefore:yyyy-MM-dd HH:mm}Z");
        }
        else if (loaded.NotAfter - now < ExpiryWarning)
        {
            report.Warn(key, $"certificate {loaded.Leaf.Subject} in '{spec.Path}' expires in {(loaded.NotAfter - now).TotalDays:0.#} days ({loaded.NotAfter:yyyy-MM-dd HH:mm}Z)");
        }
        else
        {
            report.Ok(spec.Key, loaded.Describe());
        }
    }
}
