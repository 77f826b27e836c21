namespace EdgeProxy.Authentication;

/// <summary>Route metadata keys and header names for what EdgeProxy tells the upstream about the caller.</summary>
internal static class IdentityHeaders
{
    /// <summary><c>Pass</c> (default) or <c>Strip</c>: whether the client's Authorization header reaches the upstream.</summary>
    public const string AuthorizationHeaderKey = Proxy.RouteMetadataKeys.AuthorizationHeader;

    /// <summary><c>true</c> or <c>false</c> (default): send X-Auth-Request-User/-Email/-Groups from the validated token.</summary>
    public const string IdentityHeadersKey = Proxy.RouteMetadataKeys.IdentityHeaders;

    public const string User = "X-Auth-Request-User";
    public const string Email = "X-Auth-Request-Email";
    public const string Groups = "X-Auth-Request-Groups";

    public static bool TryParseAuthorizationHeader(string? value, out bool strip)
    {
        strip = false;
        if (value is null)
        {
            return true;
        }

        if (value.Equals("Pass", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        strip = value.Equals("Strip", StringComparison.OrdinalIgnoreCase);
        return strip;
    }
}
