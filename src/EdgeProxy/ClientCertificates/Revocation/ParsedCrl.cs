using System.Collections.Frozen;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>One CRL as read from disk. Immutable; its signature is checked against the issuer at lookup time.</summary>
internal sealed class ParsedCrl(SignedEnvelope signed, byte[] issuerName, byte[]? authorityKeyId, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, FrozenSet<string> revoked)
{
    // The issuer certificate whose signature check passed, so a CRL is verified once, not per connection.
    private byte[]? _verifiedIssuer;

    public SignedEnvelope Signed { get; } = signed;

    /// <summary>DER of the issuer Name.</summary>
    public byte[] IssuerName { get; } = issuerName;

    public byte[]? AuthorityKeyId { get; } = authorityKeyId;

    public DateTimeOffset ThisUpdate { get; } = thisUpdate;

    public DateTimeOffset? NextUpdate { get; } = nextUpdate;

    /// <summary>Revoked serials as <see cref="AsnRead.SerialKey"/>.</summary>
    public FrozenSet<string> Revoked { get; } = revoked;

    public string IssuerDisplay => new X500DistinguishedName(IssuerName).Name;

    public bool IsPastNextUpdate(DateTimeOffset now) => NextUpdate is { } next && next < now;

    /// <summary>Same issuer name and, when both sides carry one, the same key identifier (a re-keyed CA keeps its name).</summary>
    public bool IsFor(X509Certificate2 issuer)
    {
        if (!issuer.SubjectName.RawData.AsSpan().SequenceEqual(IssuerName))
        {
            return false;
        }

        if (AuthorityKeyId is null)
        {
            return true;
        }

        var ski = issuer.Extensions["2.5.29.14"] as X509SubjectKeyIdentifierExtension;
        return ski?.SubjectKeyIdentifierBytes.Span.SequenceEqual(AuthorityKeyId) ?? true;
    }

    /// <summary>Null when this CRL is signed by <paramref name="issuer"/>; otherwise why not.</summary>
    public string? VerifySignature(X509Certificate2 issuer)
    {
        var raw = issuer.RawDataMemory.Span;
        if (_verifiedIssuer is { } verified && raw.SequenceEqual(verified))
        {
            return null;
        }

        if (issuer.Extensions["2.5.29.15"] is X509KeyUsageExtension usage && (usage.KeyUsages & X509KeyUsageFlags.CrlSign) == 0)
        {
            return "issuer may not sign crls";
        }

        var error = SignatureVerifier.Verify(Signed, issuer);
        if (error is null)
        {
            _verifiedIssuer = raw.ToArray();
        }

        return error;
    }
}
