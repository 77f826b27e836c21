using System.Formats.Asn1;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>The few ASN.1 shapes CRLs and OCSP share, read strictly as DER.</summary>
internal static class AsnRead
{
    public static readonly Asn1Tag Context0 = new(TagClass.ContextSpecific, 0, isConstructed: true);
    public static readonly Asn1Tag Context1 = new(TagClass.ContextSpecific, 1, isConstructed: true);
    public static readonly Asn1Tag Context2 = new(TagClass.ContextSpecific, 2, isConstructed: true);

    /// <summary>AlgorithmIdentifier: the OID; parameters (NULL or absent for every algorithm we accept) are skipped.</summary>
    public static string AlgorithmOid(AsnReader reader)
    {
        var sequence = reader.ReadSequence();
        var oid = sequence.ReadObjectIdentifier();
        if (sequence.HasData)
        {
            sequence.ReadEncodedValue();
        }

        sequence.ThrowIfNotEmpty();
        return oid;
    }

    public static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    /// <summary>X.509 Time: UTCTime or GeneralizedTime.</summary>
    public static DateTimeOffset Time(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    /// <summary>
    /// A serial number as upper-case hex without leading zero bytes, so a CRL entry, an OCSP CertID and a
    /// certificate's own encoding of the same integer compare equal.
    /// </summary>
    public static string SerialKey(ReadOnlySpan<byte> serial)
    {
        var start = 0;
        while (start < serial.Length - 1 && serial[start] == 0)
        {
            start++;
        }

        return Convert.ToHexString(serial[start..]);
    }
}
