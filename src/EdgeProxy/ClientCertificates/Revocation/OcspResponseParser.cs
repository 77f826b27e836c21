using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// Reads an OCSPResponse (RFC 6960 §4.2) and trusts it only when it is signed by the issuer or by a responder
/// certificate the issuer signed for OCSP signing (§4.2.2.2), answers for the CertID we asked about, and is current.
/// </summary>
internal static class OcspResponseParser
{
    private const string BasicResponseOid = "1.3.6.1.5.5.7.48.1.1";
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>Never throws: anything malformed or unauthorized is Unknown with a short reason.</summary>
    public static OcspAnswer Parse(ReadOnlyMemory<byte> body, OcspCertId id, X509Certificate2 issuer, DateTimeOffset now)
    {
        try
        {
            return ParseCore(body, id, issuer, now);
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException or FormatException or ArgumentException)
        {
            return OcspAnswer.Unknown("ocsp response malformed");
        }
    }

    private static OcspAnswer ParseCore(ReadOnlyMemory<byte> body, OcspCertId id, X509Certificate2 issuer, DateTimeOffset now)
    {
        var outer = new AsnReader(body, AsnEncodingRules.DER).ReadSequence();
        var status = outer.ReadEnumeratedBytes().Span;
        if (status is not [0])
        {
            return OcspAnswer.Unknown(status is [var code] ? "ocsp responder error " + StatusName(code) : "ocsp response malformed");
        }

        var responseBytes = outer.ReadSequence(AsnRead.Context0).ReadSequence();
        if (responseBytes.ReadObjectIdentifier() != BasicResponseOid)
        {
            return OcspAnswer.Unknown("ocsp response type unsupported");
        }

        var basic = new AsnReader(responseBytes.ReadOctetString(), AsnEncodingRules.DER).ReadSequence();
        var signed = SignedEnvelope.ReadElements(basic);
        var certs = new List<X509Certificate2>();
        try
        {
            return Evaluate(basic, signed, certs, id, issuer, now);
        }
        finally
        {
            certs.ForEach(c => c.Dispose());
        }
    }

    private static OcspAnswer Evaluate(AsnReader basic, SignedEnvelope signed, List<X509Certificate2> certs, OcspCertId id, X509Certificate2 issuer, DateTimeOffset now)
    {
        if (basic.HasData)
        {
            var list = basic.ReadSequence(AsnRead.Context0).ReadSequence();
            while (list.HasData)
            {
                certs.Add(X509CertificateLoader.LoadCertificate(list.ReadEncodedValue().Span));
            }
        }

        var data = new AsnReader(signed.Tbs, AsnEncodingRules.DER).ReadSequence();
        if (IsContext(data.PeekTag(), 0))
        {
            data.ReadSequence(AsnRead.Context0);
        }

        var responder = data.ReadEncodedValue();
        data.ReadGeneralizedTime();
        var single = FindSingleResponse(data.ReadSequence(), id);
        if (single is null)
        {
            return OcspAnswer.Unknown("ocsp response for another certificate");
        }

        var signer = FindSigner(new AsnReader(responder, AsnEncodingRules.DER), certs, issuer, now);
        if (signer is null)
        {
            return OcspAnswer.Unknown("ocsp responder not authorized");
        }

        if (SignatureVerifier.Verify(signed, signer) is not null)
        {
            return OcspAnswer.Unknown("ocsp signature invalid");
        }

        var (certStatus, thisUpdate, nextUpdate) = single.Value;
        if (thisUpdate > now + ClockSkew)
        {
            return OcspAnswer.Unknown("ocsp response not yet valid");
        }

        if (nextUpdate is { } next && next + ClockSkew < now)
        {
            return OcspAnswer.Unknown("ocsp response expired");
        }

        return certStatus switch
        {
            0 => new OcspAnswer(RevocationStatus.Good, "good (ocsp)", nextUpdate),
            1 => new OcspAnswer(RevocationStatus.Revoked, "revoked (ocsp)", nextUpdate),
            _ => OcspAnswer.Unknown("ocsp status unknown"),
        };
    }

    private static (int Status, DateTimeOffset ThisUpdate, DateTimeOffset? NextUpdate)? FindSingleResponse(AsnReader responses, OcspCertId id)
    {
        while (responses.HasData)
        {
            var single = responses.ReadSequence();
            var certId = single.ReadSequence();
            var hash = AsnRead.AlgorithmOid(certId);
            var nameHash = certId.ReadOctetString();
            var keyHash = certId.ReadOctetString();
            var serial = certId.ReadIntegerBytes();
            certId.ThrowIfNotEmpty();
            var tag = single.PeekTag();
            if (tag.TagClass != TagClass.ContextSpecific || tag.TagValue > 2)
            {
                throw new AsnContentException("bad CertStatus");
            }

            single.ReadEncodedValue();
            var thisUpdate = single.ReadGeneralizedTime();
            DateTimeOffset? nextUpdate = single.HasData && IsContext(single.PeekTag(), 0)
                ? single.ReadSequence(AsnRead.Context0).ReadGeneralizedTime()
                : null;
            if (id.Matches(hash, nameHash, keyHash, serial.Span))
            {
                return (tag.TagValue, thisUpdate, nextUpdate);
            }
        }

        return null;
    }

    /// <summary>The issuer itself, or a delegated responder: issued and signed by the issuer, id-kp-OCSPSigning, in date.</summary>
    private static X509Certificate2? FindSigner(AsnReader responderId, List<X509Certificate2> certs, X509Certificate2 issuer, DateTimeOffset now)
    {
        var tag = responderId.PeekTag();
        var choice = responderId.ReadSequence(tag);
        ReadOnlyMemory<byte> name = default, keyHash = default;
        if (IsContext(tag, 1))
        {
            name = choice.ReadEncodedValue();
        }
        else if (IsContext(tag, 2))
        {
            keyHash = choice.ReadOctetString();
        }
        else
        {
            throw new AsnContentException("bad ResponderID");
        }

        [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "RFC 6960 §4.2.1: a byKey ResponderID is the SHA-1 hash of the responder's public key; it identifies, the signature is checked separately.")]
        bool Named(X509Certificate2 cert) => name.Length > 0
            ? cert.SubjectName.RawData.AsSpan().SequenceEqual(name.Span)
            : SHA1.HashData(cert.PublicKey.EncodedKeyValue.RawData).AsSpan().SequenceEqual(keyHash.Span);

        if (Named(issuer))
        {
            return issuer;
        }

        return certs.FirstOrDefault(cert => Named(cert) && IsDelegatedResponder(cert, issuer, now));
    }

    private static bool IsDelegatedResponder(X509Certificate2 cert, X509Certificate2 issuer, DateTimeOffset now) =>
        cert.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData)
        && cert.NotBefore.ToUniversalTime() <= now.UtcDateTime + ClockSkew
        && cert.NotAfter.ToUniversalTime() >= now.UtcDateTime - ClockSkew
        && cert.Extensions["2.5.29.37"] is X509EnhancedKeyUsageExtension eku
        && eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == "1.3.6.1.5.5.7.3.9")
        && SignatureVerifier.Verify(SignedEnvelope.Read(cert.RawDataMemory), issuer) is null;

    private static bool IsContext(Asn1Tag tag, int value) => tag.TagClass == TagClass.ContextSpecific && tag.TagValue == value;

    private static string StatusName(byte code) => code switch
    {
        1 => "malformedrequest",
        2 => "internalerror",
        3 => "trylater",
        5 => "sigrequired",
        6 => "unauthorized",
        _ => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
