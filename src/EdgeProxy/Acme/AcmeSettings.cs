namespace EdgeProxy.Acme;

/// <summary>
/// The validated ACME configuration, parsed once: what the issuer and the listeners use. <see cref="FileCertificates"/>
/// are the route names left to a configured file certificate (name → its config key), shown to operators.
/// </summary>
internal sealed record AcmeSettings(
    Uri DirectoryUrl,
    string? Email,
    IReadOnlyList<string> Hosts,
    IReadOnlySet<AcmeChallengeType> Challenges,
    AcmeKeyType KeyType,
    TimeSpan? RenewBefore,
    string? CaBundle,
    string StoragePath,
    IReadOnlyDictionary<string, string>? FileCertificates = null)
{
    /// <summary>
    /// When a certificate is due: <see cref="RenewBefore"/> before expiry when set, else when a third of its
    /// lifetime remains (half when the lifetime is under 10 days: a 6-day certificate renews with 3 days left).
    /// </summary>
    public DateTimeOffset RenewalTime(DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var lifetime = notAfter - notBefore;
        var before = RenewBefore ?? (lifetime < TimeSpan.FromDays(10) ? lifetime / 2 : lifetime / 3);
        return notAfter - before;
    }
}
