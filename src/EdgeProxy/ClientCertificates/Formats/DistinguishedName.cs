using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EdgeProxy.ClientCertificates.Formats;

/// <summary>
/// RFC 2253 as OpenSSL prints it with <c>XN_FLAG_RFC2253</c> (what nginx's <c>$ssl_client_s_dn</c> gives):
/// most specific RDN first, ',' between RDNs and '+' inside one, short attribute names, RFC 2253
/// escapes, bytes above 0x7F and control characters as <c>\XX</c>, unknown attributes as <c>OID=#hex</c>.
/// </summary>
internal static class DistinguishedName
{
    private static readonly Dictionary<string, string> ShortNames = new()
    {
        ["2.5.4.3"] = "CN",
        ["2.5.4.6"] = "C",
        ["2.5.4.7"] = "L",
        ["2.5.4.8"] = "ST",
        ["2.5.4.9"] = "street",
        ["2.5.4.10"] = "O",
        ["2.5.4.11"] = "OU",
        ["2.5.4.5"] = "serialNumber",
        ["2.5.4.4"] = "SN",
        ["2.5.4.42"] = "GN",
        ["2.5.4.12"] = "title",
        ["2.5.4.17"] = "postalCode",
        ["2.5.4.46"] = "dnQualifier",
        ["2.5.4.65"] = "pseudonym",
        ["0.9.2342.19200300.100.1.25"] = "DC",
        ["0.9.2342.19200300.100.1.1"] = "UID",
        ["1.2.840.113549.1.9.1"] = "emailAddress",
    };

    public static string Rfc2253(X500DistinguishedName name)
    {
        var builder = new StringBuilder();
        var rdns = new AsnReader(name.RawData, AsnEncodingRules.DER).ReadSequence();
        var all = new List<List<(string Oid, Asn1Tag Tag, byte[] Value, byte[] Der)>>();
        while (rdns.HasData)
        {
            var set = rdns.ReadSetOf(skipSortOrderValidation: true);
            var attributes = new List<(string, Asn1Tag, byte[], byte[])>();
            while (set.HasData)
            {
                var attribute = set.ReadSequence();
                var oid = attribute.ReadObjectIdentifier();
                var der = attribute.ReadEncodedValue().ToArray();
                var tag = Asn1Tag.Decode(der, out _);
                attributes.Add((oid, tag, der, der));
            }

            all.Add(attributes);
        }

        for (var i = all.Count - 1; i >= 0; i--)
        {
            if (i != all.Count - 1)
            {
                builder.Append(',');
            }

            for (var j = 0; j < all[i].Count; j++)
            {
                if (j > 0)
                {
                    builder.Append('+');
                }

                var (oid, tag, _, der) = all[i][j];
                if (ShortNames.TryGetValue(oid, out var shortName) && TryDecodeString(der, tag, out var text))
                {
                    builder.Append(shortName).Append('=');
                    Escape(builder, text);
                }
                else
                {
                    builder.Append(ShortNames.GetValueOrDefault(oid, oid)).Append("=#").Append(Convert.ToHexString(der));
                }
            }
        }

        return builder.ToString();
    }

    private static bool TryDecodeString(byte[] der, Asn1Tag tag, out string text)
    {
        text = string.Empty;
        if (tag.TagClass != TagClass.Universal)
        {
            return false;
        }

        try
        {
            text = new AsnReader(der, AsnEncodingRules.BER).ReadCharacterString((UniversalTagNumber)tag.TagValue);
            return true;
        }
        catch (Exception ex) when (ex is AsnContentException or ArgumentException)
        {
            return false;
        }
    }

    private static void Escape(StringBuilder builder, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            var special = b is (byte)',' or (byte)'+' or (byte)'"' or (byte)'\\' or (byte)'<' or (byte)'>' or (byte)';'
                || (i == 0 && b is (byte)'#' or (byte)' ')
                || (i == bytes.Length - 1 && b == (byte)' ');
            if (b > 0x7F || b < 0x20 || b == 0x7F)
            {
                builder.Append('\\').Append(b.ToString("X2"));
            }
            else if (special)
            {
                builder.Append('\\').Append((char)b);
            }
            else
            {
                builder.Append((char)b);
            }
        }
    }
}
