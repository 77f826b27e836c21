namespace EdgeProxy.ClientCertificates.Revocation;

internal enum RevocationStatus
{
    /// <summary>Not revoked according to a valid, current CRL or OCSP response.</summary>
    Good,

    /// <summary>Revoked.</summary>
    Revoked,

    /// <summary>No answer (no CRL for the issuer, responder unreachable or unknown status): refused unless SoftFail.</summary>
    Unknown,
}

/// <summary>The outcome of a revocation check; <see cref="Reason"/> is short and goes into FAILED:reason and logs.</summary>
internal sealed record RevocationResult(RevocationStatus Status, string Reason)
{
    public static readonly RevocationResult NotChecked = new(RevocationStatus.Good, "not checked");
}
