using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeProxy.ClientCertificates.Formats;

namespace EdgeProxy.ClientCertificates;

/// <summary>Writes one connection's certificate to the upstream request in the route's format.</summary>
internal sealed class CertificateHeaderWriter(IReadOnlyDictionary<string, string> renames)
{
    /// <summary>Sets the headers of <paramref name="format"/> for the connection's certificate and verdict.</summary>
    /// <param name="format">The route's forwarding format.</param>
    /// <param name="state">The certificate and chain the connection (or a trusted terminator) presented.</param>
    /// <param name="verdict">The validation result.</param>
    /// <param name="headers">The upstream request's headers.</param>
    /// <param name="appendTo">With XfccMode AppendForward: the XFCC a trusted peer sent, which this hop's element extends.</param>
    public void Write(ForwardFormat format, ClientCertificateState state, ClientCertificateVerdict verdict, HttpRequestHeaders headers, string? appendTo = null)
    {
        var leaf = state.Certificate;
        switch (format)
        {
            case ForwardFormat.Nginx:
                // As nginx with ssl_verify_client optional: the certificate and names even when verification failed.
                Set(headers, CertificateHeaderNames.NginxVerify, verdict.Verify);
                if (leaf is not null)
                {
                    Set(headers, CertificateHeaderNames.NginxCert, CertificateEncoding.UriComponent(CertificateEncoding.Pem(leaf)));
                    Set(headers, CertificateHeaderNames.NginxSubject, DistinguishedName.Rfc2253(leaf.SubjectName));
                    Set(headers, CertificateHeaderNames.NginxIssuer, DistinguishedName.Rfc2253(leaf.IssuerName));
                }

                break;
            case ForwardFormat.Xfcc when leaf is not null && verdict.Valid:
                Set(headers, CertificateHeaderNames.Xfcc, appendTo is null ? Xfcc(leaf, state.Chain) : appendTo + "," + Xfcc(leaf, state.Chain));
                break;
            case ForwardFormat.Rfc9440 when leaf is not null && verdict.Valid:
                Set(headers, CertificateHeaderNames.ClientCert, ":" + CertificateEncoding.Base64Der(leaf) + ":");
                if (state.Chain.Count > 0)
                {
                    Set(headers, CertificateHeaderNames.ClientCertChain, string.Join(", ", state.Chain.Select(c => ":" + CertificateEncoding.Base64Der(c) + ":")));
                }

                break;
            case ForwardFormat.Base64Der when leaf is not null && verdict.Valid:
                Set(headers, CertificateHeaderNames.Base64Der, CertificateEncoding.Base64Der(leaf));
                break;
            case ForwardFormat.Traefik when leaf is not null && verdict.Valid:
                Set(headers, CertificateHeaderNames.Traefik, string.Join(",", state.Chain.Prepend(leaf).Select(CertificateEncoding.Base64Der)));
                break;
        }
    }

    /// <summary>Envoy's element for this hop: Hash, Cert, Chain, Subject (always quoted), URI, DNS.</summary>
    public static string Xfcc(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> chain)
    {
        var builder = new StringBuilder();
        builder.Append("Hash=").Append(CertificateEncoding.Sha256Hex(leaf));
        builder.Append(";Cert=\"").Append(CertificateEncoding.EnvoyUrlEncode(CertificateEncoding.Pem(leaf))).Append('"');
        builder.Append(";Chain=\"").Append(CertificateEncoding.EnvoyUrlEncode(string.Concat(chain.Prepend(leaf).Select(CertificateEncoding.Pem)))).Append('"');
        builder.Append(";Subject=\"").Append(DistinguishedName.Rfc2253(leaf.SubjectName).Replace("\"", "\\\"")).Append('"');
        var san = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        foreach (var uri in UriSans(leaf))
        {
            builder.Append(";URI=").Append(Quote(uri));
        }

        foreach (var dns in san?.EnumerateDnsNames() ?? [])
        {
            builder.Append(";DNS=").Append(Quote(dns));
        }

        return builder.ToString();
    }

    private static IEnumerable<string> UriSans(X509Certificate2 leaf)
    {
        var extension = leaf.Extensions["2.5.29.17"];
        if (extension is null)
        {
            yield break;
        }

        var reader = new System.Formats.Asn1.AsnReader(extension.RawData, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        var uriTag = new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 6);
        while (reader.HasData)
        {
            if (reader.PeekTag().HasSameClassAndValue(uriTag))
            {
                yield return reader.ReadCharacterString(System.Formats.Asn1.UniversalTagNumber.IA5String, uriTag);
            }
            else
            {
                reader.ReadEncodedValue();
            }
        }
    }

    private static string Quote(string value) => value.AsSpan().IndexOfAny(",;=\"") >= 0 ? "\"" + value.Replace("\"", "\\\"") + "\"" : value;

    private void Set(HttpRequestHeaders headers, string name, string value)
    {
        if (value.Length == 0)
        {
            return;
        }

        name = renames.GetValueOrDefault(name, name);
        headers.Remove(name);
        headers.TryAddWithoutValidation(name, value);
    }
}
