namespace EdgeProxy.Tls;

/// <summary>The one wildcard rule for host names (SNI certificates, HSTS per-host policies, ACME hosts), as in RFC 6125 6.4.3.</summary>
internal static class WildcardName
{
    /// <summary>
    /// Whether <c>*</c> + <paramref name="suffix"/> (e.g. <c>.example.com</c> for <c>*.example.com</c>) covers
    /// <paramref name="host"/>: exactly one label in front, so a.example.com but not a.b.example.com.
    /// </summary>
    public static bool Covers(string suffix, string host) =>
        host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && host.AsSpan(0, host.Length - suffix.Length).IndexOf('.') < 0;
}
