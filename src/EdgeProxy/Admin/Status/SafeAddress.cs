namespace EdgeProxy.Admin.Status;

/// <summary>
/// A destination address as the status page may show it: scheme, host, port and path. A user name and password
/// (<c>http://user:secret@host</c>) and a query string are credentials often enough that they are never shown.
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
}
