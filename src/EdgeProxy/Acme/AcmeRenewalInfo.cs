using System.Buffers.Text;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace EdgeProxy.Acme;

/// <summary>
/// ACME Renewal Information (RFC 9773): the CA's suggested renewal window for a certificate, and the
/// certificate identifier that also goes into the next order's <c>replaces</c>.
/// </summary>
internal static class AcmeRenewalInfo
{
    /// <summary>How often the window is asked for again: the CA may move it (e.g. before a mass revocation).</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromHours(6);

    /// <summary>b64url(AKI keyIdentifier) "." b64url(serial, big-endian as encoded, leading 00 kept); null without an AKI.</summary>
    public static string? CertId(X509Certificate2 certificate)
    {
        var aki = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier;
        return aki is { } keyId
            ? Base64Url.EncodeToString(keyId.Span) + "." + Base64Url.EncodeToString(certificate.SerialNumberBytes.Span)
            : null;
    }

    /// <summary>The suggested window, or null when the CA has none for this certificate (then the local rule applies).</summary>
    public static async Task<(DateTimeOffset Start, DateTimeOffset End)?> GetWindowAsync(HttpClient http, string renewalInfoUrl, string certId, CancellationToken ct)
    {
        using var response = await http.GetAsync(renewalInfoUrl.TrimEnd('/') + "/" + certId, ct); // a plain GET: no JWS
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        var window = (JsonNode.Parse(await response.Content.ReadAsStringAsync(ct)) as JsonObject)?["suggestedWindow"] as JsonObject;
        return window?["start"]?.GetValue<DateTimeOffset>() is { } start && window["end"]?.GetValue<DateTimeOffset>() is { } end && end >= start
            ? (start, end)
            : null;
    }

    /// <summary>A uniformly random moment in the window, so a fleet does not renew all at once.</summary>
    public static DateTimeOffset PickTime((DateTimeOffset Start, DateTimeOffset End) window) =>
        window.Start + TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * (window.End - window.Start).Ticks));
}
