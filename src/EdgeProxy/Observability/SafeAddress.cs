namespace EdgeProxy.Observability;

/// <summary>
/// A destination address as EdgeProxy may show it (status page, access log, upstream-failure lines, the detailed
/// error page): scheme, host, port and path. A user name and password (<c>http://user:secret@host</c>) and a query
/// string are credentials often enough that they are never shown.
/// </summary>
internal static class SafeAddress
{
    public static string Of(string? address)
    {
        if (string.IsNullOrEmpty(address) || !Uri.TryCreate(address, UriKind.Absolute, out var uri) || !uri.IsAbsoluteUri)
        {
            return address is null or ErrorPages.UpstreamErrorPage.NoDestination ? address ?? "-" : "(not an absolute URL)";
        }

        return uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
    }

    /// <summary>
    /// <see cref="Of"/> for the per-request paths: an address with no user info, query or fragment (every ordinary
    /// one) is returned as it is, without parsing; null stays null.
    /// </summary>
    public static string? ForLog(string? address) =>
        address is null || address.AsSpan().IndexOfAny('@', '?', '#') < 0 ? address : Of(address);
}
