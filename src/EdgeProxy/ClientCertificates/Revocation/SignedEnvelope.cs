using System.Formats.Asn1;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// The outer shape shared by certificates, CRLs and BasicOCSPResponse: the signed bytes (DER of the first
/// element, exactly as received), the signature algorithm and the signature.
/// </summary>
internal readonly record struct SignedEnvelope(ReadOnlyMemory<byte> Tbs, string AlgorithmOid, byte[] Signature)
{
    /// <summary>Reads <c>SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }</c>; trailing content is rejected.</summary>
    public static SignedEnvelope Read(AsnReader reader)
    {
        var sequence = reader.ReadSequence();
        var envelope = ReadElements(sequence);
        sequence.ThrowIfNotEmpty();
        return envelope;
    }

    /// <summary>Reads the three elements from an opened sequence, leaving what follows (BasicOCSPResponse's certs).</summary>
    public static SignedEnvelope ReadElements(AsnReader sequence)
    {
        var tbs = sequence.ReadEncodedValue();
        var algorithm = AsnRead.AlgorithmOid(sequence);
        var signature = sequence.ReadBitString(out var unusedBits);
        if (unusedBits != 0)
        {
            throw new AsnContentException("signature has unused bits");
        }

        return new SignedEnvelope(tbs, algorithm, signature);
    }

    public static SignedEnvelope Read(ReadOnlyMemory<byte> der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        var envelope = Read(reader);
        reader.ThrowIfNotEmpty();
        return envelope;
    }
}
