using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.ClientCertificates.Formats;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// Reads the client certificate a trusted TLS terminator forwarded in one of the formats EdgeProxy
/// writes. The result is only a claim: it is validated against <c>TrustedCaFiles</c> like a direct one.
/// </summary>
internal static class ForwardedCertificateReader
{
    public static bool TryRead(ForwardFormat format, IHeaderDictionary headers, Func<string, string> name, out X509Certificate2 leaf, out X509Certificate2Collection chain)
    {
        leaf = null!;
        chain = [];
        try
        {
            switch (format)
            {
                case ForwardFormat.Nginx when headers[name(CertificateHeaderNames.NginxCert)].ToString() is { Length: > 0 } escaped:
                    leaf = X509Certificate2.CreateFromPem(Uri.UnescapeDataString(escaped));
                    return true;
                case ForwardFormat.Base64Der when headers[name(CertificateHeaderNames.Base64Der)].ToString() is { Length: > 0 } der:
                    leaf = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(der));
                    return true;
                case ForwardFormat.Rfc9440 when headers[name(CertificateHeaderNames.ClientCert)].ToString() is { Length: > 2 } bytes:
                    leaf = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(bytes.Trim().Trim(':')));
                    foreach (var item in headers[name(CertificateHeaderNames.ClientCertChain)].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        chain.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(item.Trim(':'))));
                    }

                    return true;
                case ForwardFormat.Traefik when headers[name(CertificateHeaderNames.Traefik)].ToString() is { Length: > 0 } list:
                    var items = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    leaf = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(items[0]));
                    foreach (var item in items.Skip(1))
                    {
                        chain.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(item)));
                    }

                    return true;
                case ForwardFormat.Xfcc when headers[name(CertificateHeaderNames.Xfcc)].ToString() is { Length: > 0 } xfcc:
                    // The last element is the hop closest to us: the terminator that checked the client.
                    var element = XfccValue.Parse(xfcc).LastOrDefault();
                    if (element is null || !element.TryGetValue("Cert", out var cert))
                    {
                        return false;
                    }

                    leaf = X509Certificate2.CreateFromPem(Uri.UnescapeDataString(cert));
                    if (element.TryGetValue("Chain", out var pemChain))
                    {
                        chain.ImportFromPem(Uri.UnescapeDataString(pemChain));
                        chain.RemoveAt(0); // the chain starts with the leaf
                    }

                    return true;
            }
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException or ArgumentException)
        {
        }

        return false;
    }
}
