using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// Verifies a CRL, OCSP response or certificate signature with the signer's public key. Only RSA PKCS#1 v1.5
/// and ECDSA with SHA-256/384/512: SHA-1 and unknown algorithms are refused rather than guessed at.
/// </summary>
internal static class SignatureVerifier
{
    /// <summary>Null when the signature verifies; otherwise a short lower-case reason.</summary>
    public static string? Verify(SignedEnvelope signed, X509Certificate2 signer)
    {
        var (hash, isRsa) = signed.AlgorithmOid switch
        {
            "1.2.840.113549.1.1.11" => (HashAlgorithmName.SHA256, true),
            "1.2.840.113549.1.1.12" => (HashAlgorithmName.SHA384, true),
            "1.2.840.113549.1.1.13" => (HashAlgorithmName.SHA512, true),
            "1.2.840.10045.4.3.2" => (HashAlgorithmName.SHA256, false),
            "1.2.840.10045.4.3.3" => (HashAlgorithmName.SHA384, false),
            "1.2.840.10045.4.3.4" => (HashAlgorithmName.SHA512, false),
            _ => (default(HashAlgorithmName), false),
        };
        if (hash.Name is null)
        {
            return "unsupported signature algorithm " + signed.AlgorithmOid;
        }

        try
        {
            bool valid;
            if (isRsa)
            {
                using var rsa = signer.GetRSAPublicKey();
                valid = rsa is not null && rsa.VerifyData(signed.Tbs.Span, signed.Signature, hash, RSASignaturePadding.Pkcs1);
            }
            else
            {
                using var ecdsa = signer.GetECDsaPublicKey();
                valid = ecdsa is not null && ecdsa.VerifyData(signed.Tbs.Span, signed.Signature, hash, DSASignatureFormat.Rfc3279DerSequence);
            }

            return valid ? null : "signature invalid";
        }
        catch (CryptographicException)
        {
            return "signature invalid";
        }
    }
}
