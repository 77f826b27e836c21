using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// RFC 6960 CertID with SHA-1, the hash every responder supports (RFC 5019): the issuer's name and key hashes
/// and the leaf's serial. Also the cache key, so one issuer's serial never answers for another issuer's.
/// </summary>
internal sealed record OcspCertId(byte[] IssuerNameHash, byte[] IssuerKeyHash, string Serial)
{
    public const string Sha1Oid = "1.3.14.3.2.26";

    public string CacheKey { get; } = Convert.ToHexString(IssuerKeyHash) + ":" + Serial;

    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "RFC 6960 CertID hashes with SHA-1, the one algorithm every responder supports (RFC 5019); it identifies, it does not protect.")]
    public static OcspCertId For(X509Certificate2 leaf, X509Certificate2 issuer) => new(
        SHA1.HashData(issuer.SubjectName.RawData),
        SHA1.HashData(issuer.PublicKey.EncodedKeyValue.RawData),
        AsnRead.SerialKey(leaf.SerialNumberBytes.Span));

    public bool Matches(string hashOid, ReadOnlySpan<byte> nameHash, ReadOnlySpan<byte> keyHash, ReadOnlySpan<byte> serial) =>
        hashOid == Sha1Oid && nameHash.SequenceEqual(IssuerNameHash) && keyHash.SequenceEqual(IssuerKeyHash) && AsnRead.SerialKey(serial) == Serial;

    /// <summary>An unsigned OCSPRequest for this one certificate, without a nonce so answers can be cached.</summary>
    public static byte[] BuildRequest(X509Certificate2 leaf, OcspCertId id)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence())
        using (writer.PushSequence())
        using (writer.PushSequence())
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(Sha1Oid);
                writer.WriteNull();
            }

            writer.WriteOctetString(id.IssuerNameHash);
            writer.WriteOctetString(id.IssuerKeyHash);
            writer.WriteInteger(leaf.SerialNumberBytes.Span);
        }

        return writer.Encode();
    }
}
