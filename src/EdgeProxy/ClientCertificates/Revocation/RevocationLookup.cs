namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// A revocation result and whether it may be reused for the same certificate: a CRL verdict until the CRLs change
/// (<see cref="Until"/> null), an OCSP answer until <see cref="Until"/>. Unknown, soft-fail and OCSP answers without
/// a nextUpdate are not reusable.
/// </summary>
internal readonly record struct RevocationLookup(RevocationResult Result, bool Reusable, DateTimeOffset? Until = null)
{
    public static RevocationLookup FromCrl(RevocationResult result) => new(result, Reusable: true);

    public static RevocationLookup FromOcsp(RevocationResult result, DateTimeOffset? until) => new(result, until is not null, until);

    public static RevocationLookup Once(RevocationResult result) => new(result, Reusable: false);
}
