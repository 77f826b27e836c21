using System.Collections.Frozen;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// Reads X.509 CRLs (RFC 5280 §5) from PEM or DER. .NET can build CRLs but not read them. Anything it does not
/// understand is an error, never a silently empty CRL: delta CRLs, indirect CRLs and unknown critical extensions.
/// </summary>
internal static class CrlParser
{
    private static readonly FrozenSet<string> KnownCriticalCrlExtensions = FrozenSet.Create(
        "2.5.29.35", // authority key identifier
        "2.5.29.20", // CRL number
        "2.5.29.28"); // issuing distribution point: full CRLs from AD CS mark it critical

    /// <summary>Parses every CRL in the file. Never throws; <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> file, out IReadOnlyList<ParsedCrl> crls, out string error)
    {
        crls = [];
        try
        {
            crls = IsPem(file.Span) ? ParsePem(file.Span) : [ParseDer(file)];
            error = string.Empty;
            return true;
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException or FormatException or ArgumentException)
        {
            error = ex is AsnContentException or CryptographicException ? "malformed DER: " + ex.Message : ex.Message;
            return false;
        }
    }

    private static bool IsPem(ReadOnlySpan<byte> file) => file.TrimStart("\r\n\t \uFEFF"u8).StartsWith("-----BEGIN"u8);

    private static ParsedCrl[] ParsePem(ReadOnlySpan<byte> file)
    {
        var text = Encoding.UTF8.GetString(file).AsSpan();
        var crls = new List<ParsedCrl>();
        while (PemEncoding.TryFind(text, out var fields))
        {
            if (text[fields.Label].SequenceEqual("X509 CRL"))
            {
                crls.Add(ParseDer(Convert.FromBase64String(text[fields.Base64Data].ToString())));
            }

            text = text[fields.Location.End..];
        }

        return crls.Count > 0 ? [.. crls] : throw new FormatException("no -----BEGIN X509 CRL----- block");
    }

    private static ParsedCrl ParseDer(ReadOnlyMemory<byte> der)
    {
        var signed = SignedEnvelope.Read(der);
        var tbs = new AsnReader(signed.Tbs, AsnEncodingRules.DER).ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer) && (!tbs.TryReadInt32(out var version) || version != 1))
        {
            throw new FormatException("unsupported CRL version");
        }

        if (AsnRead.AlgorithmOid(tbs) != signed.AlgorithmOid)
        {
            throw new FormatException("inner and outer signature algorithms differ");
        }

        var issuer = tbs.ReadEncodedValue().ToArray();
        var thisUpdate = AsnRead.Time(tbs);
        DateTimeOffset? nextUpdate = tbs.HasData && AsnRead.IsTime(tbs.PeekTag()) ? AsnRead.Time(tbs) : null;
        var revoked = new HashSet<string>(StringComparer.Ordinal);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var list = tbs.ReadSequence();
            while (list.HasData)
            {
                var entry = list.ReadSequence();
                var serial = entry.ReadIntegerBytes();
                AsnRead.Time(entry);
                if (entry.HasData)
                {
                    // Reason code and invalidity date only; a critical certificate-issuer entry means an indirect CRL.
                    ReadExtensions(entry, static (oid, critical, _) =>
                    {
                        if (critical && oid is not "2.5.29.21" and not "2.5.29.24")
                        {
                            throw new FormatException($"unsupported critical entry extension {oid} (indirect CRLs are not supported)");
                        }
                    });
                }

                entry.ThrowIfNotEmpty();
                revoked.Add(AsnRead.SerialKey(serial.Span));
            }
        }

        byte[]? authorityKeyId = null;
        if (tbs.HasData)
        {
            var explicitTag = tbs.ReadSequence(AsnRead.Context0);
            ReadExtensions(explicitTag, (oid, critical, value) =>
            {
                if (oid == "2.5.29.27")
                {
                    throw new FormatException("delta CRLs are not supported");
                }

                if (critical && !KnownCriticalCrlExtensions.Contains(oid))
                {
                    throw new FormatException($"unsupported critical CRL extension {oid}");
                }

                if (oid == "2.5.29.35")
                {
                    authorityKeyId = ReadKeyIdentifier(value);
                }
            });
            explicitTag.ThrowIfNotEmpty();
        }

        tbs.ThrowIfNotEmpty();
        return new ParsedCrl(signed, issuer, authorityKeyId, thisUpdate, nextUpdate, revoked.ToFrozenSet(StringComparer.Ordinal));
    }

    private static void ReadExtensions(AsnReader reader, Action<string, bool, ReadOnlyMemory<byte>> visit)
    {
        var extensions = reader.ReadSequence();
        while (extensions.HasData)
        {
            var extension = extensions.ReadSequence();
            var oid = extension.ReadObjectIdentifier();
            var critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
            var value = extension.ReadOctetString();
            extension.ThrowIfNotEmpty();
            visit(oid, critical, value);
        }
    }

    private static byte[]? ReadKeyIdentifier(ReadOnlyMemory<byte> value)
    {
        var aki = new AsnReader(value, AsnEncodingRules.DER).ReadSequence();
        var keyIdTag = new Asn1Tag(TagClass.ContextSpecific, 0);
        return aki.HasData && aki.PeekTag().HasSameClassAndValue(keyIdTag) ? aki.ReadOctetString(keyIdTag) : null;
    }
}
