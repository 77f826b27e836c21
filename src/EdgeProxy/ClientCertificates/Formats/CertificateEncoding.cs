using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EdgeProxy.ClientCertificates.Formats;

internal static class CertificateEncoding
{
    /// <summary>PEM exactly as OpenSSL writes it: 64-character lines, trailing newline.</summary>
    public static string Pem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    public static string Base64Der(X509Certificate2 certificate) => Convert.ToBase64String(certificate.RawData);

    public static string Sha256Hex(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));

    /// <summary>nginx <c>$ssl_client_escaped_cert</c>: URI-component escaping, upper-case hex; only A-Z a-z 0-9 - . _ ~ stay.</summary>
    public static string UriComponent(string text)
    {
        var builder = new StringBuilder(text.Length * 11 / 10);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2"));
            }
        }

        return builder.ToString();
    }

    /// <summary>Envoy's XFCC URL encoding: only newline, space, '+', '/' and '=' are escaped.</summary>
    public static string EnvoyUrlEncode(string text) => text
        .Replace("\n", "%0A").Replace(" ", "%20").Replace("+", "%2B").Replace("/", "%2F").Replace("=", "%3D");
}
