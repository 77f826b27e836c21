namespace EdgeProxy.Admin.Status;

/// <summary>A served certificate: <c>Source</c> is <c>file</c>, <c>acme</c> or <c>self-signed</c>; <c>ExpiresSoon</c> when fewer than <see cref="StatusCollector.ExpiryWarningDays"/> days are left, or it has expired. Never its password or key.</summary>
internal sealed record CertificateStatus(string Key, string Subject, IReadOnlyList<string> Names, string Issuer, DateTimeOffset NotAfter, double DaysToExpiry, bool ExpiresSoon, string Source, string File);
