using EdgeProxy.Configuration;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// <see cref="RevocationOptions"/> parsed once: paths resolved against the content root, durations parsed.
/// The validator has already refused bad values at start, so defaults here only cover what it rejected.
/// </summary>
internal sealed record RevocationSettings(
    RevocationMode Mode,
    IReadOnlyList<string> CrlFiles,
    TimeSpan CrlReloadInterval,
    Uri? OcspResponderUrl,
    TimeSpan OcspTimeout,
    bool OcspSoftFail,
    TimeSpan OcspCacheMaxAge)
{
    public static readonly TimeSpan DefaultCrlReloadInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultOcspTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultOcspCacheMaxAge = TimeSpan.FromHours(1);

    public static RevocationSettings From(RevocationOptions options, string contentRoot) => new(
        options.Revocation,
        [.. options.CrlFiles.Where(f => !string.IsNullOrWhiteSpace(f)).Select(f => Path.GetFullPath(f, contentRoot))],
        Parse(options.CrlReloadInterval, DefaultCrlReloadInterval),
        Uri.TryCreate(options.Ocsp.ResponderUrl, UriKind.Absolute, out var url) ? url : null,
        Parse(options.Ocsp.Timeout, DefaultOcspTimeout),
        options.Ocsp.SoftFail,
        Duration.TryParse(options.Ocsp.CacheMaxAge, out var maxAge) ? maxAge : DefaultOcspCacheMaxAge);

    private static TimeSpan Parse(string? text, TimeSpan fallback) =>
        Duration.TryParse(text, out var value) && value > TimeSpan.Zero ? value : fallback;
}
