using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.Tests.ClientCertificates.Revocation;

/// <summary>
/// Hand-assembled CRLs for shapes CertificateRevocationListBuilder never produces: v1 without extensions,
/// critical extensions we must refuse, delta and indirect CRLs, unsupported signature algorithms.
/// Signed with the issuer's ECDSA key and SHA-256 unless told otherwise.
/// </summary>
public static class RawCrl
{
    public sealed record Extension(string Oid, bool Critical, byte[] Value);

    public static byte[] Build(
        X509Certificate2 issuer,
        IEnumerable<byte[]> serials,
        bool v2 = false,
        IEnumerable<Extension>? crlExtensions = null,
        Extension? entryExtension = null,
        DateTimeOffset? nextUpdate = null,
        string algorithm = "1.2.840.10045.4.3.2")
    {
        var tbs = new AsnWriter(AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            if (v2)
            {
                tbs.WriteInteger(1);
            }

            WriteAlgorithm(tbs, algorithm);
            tbs.WriteEncodedValue(issuer.SubjectName.RawData);
            tbs.WriteUtcTime(DateTimeOffset.UtcNow.AddMinutes(-1));
            if (nextUpdate is { } next)
            {
                tbs.WriteUtcTime(next);
            }

            var list = serials.ToList();
            if (list.Count > 0)
            {
                using (tbs.PushSequence())
                {
                    foreach (var serial in list)
                    {
                        using (tbs.PushSequence())
                        {
                            tbs.WriteInteger(serial);
                            tbs.WriteUtcTime(DateTimeOffset.UtcNow.AddMinutes(-2));
                            if (entryExtension is not null)
                            {
                                WriteExtensions(tbs, [entryExtension]);
                            }
                        }
                    }
                }
            }

            if (crlExtensions?.ToList() is { Count: > 0 } extensions)
            {
                using (tbs.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
                {
                    WriteExtensions(tbs, extensions);
                }
            }
        }

        var tbsBytes = tbs.Encode();
        var signature = issuer.GetECDsaPrivateKey()!.SignData(tbsBytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var outer = new AsnWriter(AsnEncodingRules.DER);
        using (outer.PushSequence())
        {
            outer.WriteEncodedValue(tbsBytes);
            WriteAlgorithm(outer, algorithm);
            outer.WriteBitString(signature);
        }

        return outer.Encode();
    }

    /// <summary>An extension value that is a DER NULL: enough for extensions whose content we never read.</summary>
    public static byte[] Null => [0x05, 0x00];

    private static void WriteAlgorithm(AsnWriter writer, string oid)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
        }
    }

    private static void WriteExtensions(AsnWriter writer, IEnumerable<Extension> extensions)
    {
        using (writer.PushSequence())
        {
            foreach (var extension in extensions)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(extension.Oid);
                    if (extension.Critical)
                    {
                        writer.WriteBoolean(true);
                    }

                    writer.WriteOctetString(extension.Value);
                }
            }
        }
    }
}
