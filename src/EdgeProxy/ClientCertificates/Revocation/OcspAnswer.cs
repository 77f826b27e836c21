namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>What one OCSP exchange established; <see cref="NextUpdate"/> bounds how long it may be reused.</summary>
internal sealed record OcspAnswer(RevocationStatus Status, string Reason, DateTimeOffset? NextUpdate = null)
{
    public static OcspAnswer Unknown(string reason) => new(RevocationStatus.Unknown, reason);
}
