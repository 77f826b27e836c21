using System.Collections.Frozen;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// Every request header that claims who the client is or how it reached us. Underscore spellings are
/// listed because some servers (and CGI-style frameworks) fold <c>X_Forwarded_For</c> into the same variable.
/// </summary>
internal static class IdentityHeaders
{
    public const string XForwardedFor = "X-Forwarded-For";
    public const string XForwardedProto = "X-Forwarded-Proto";
    public const string XForwardedHost = "X-Forwarded-Host";
    public const string XForwardedPort = "X-Forwarded-Port";
    public const string XForwardedPrefix = "X-Forwarded-Prefix";
    public const string Forwarded = "Forwarded";
    public const string XRealIp = "X-Real-IP";

    private static readonly string[] Dashed =
    [
        XForwardedFor, XForwardedProto, XForwardedHost, XForwardedPort, XForwardedPrefix,
        "X-Forwarded-Server", "X-Forwarded-Ssl", "X-Forwarded-Scheme", "X-Forwarded-Protocol", "X-Url-Scheme",
        Forwarded, XRealIp, "True-Client-IP", "X-Client-IP", "CF-Connecting-IP", "Fastly-Client-IP", "X-Cluster-Client-IP",
        "X-Original-For", "X-Original-Proto", "X-Original-Host",
    ];

    /// <summary>All names, dashed and underscore spellings.</summary>
    public static readonly string[] All = [.. Dashed, .. Dashed.Where(n => n.Contains('-')).Select(n => n.Replace('-', '_'))];

    public static readonly FrozenSet<string> Set = All.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>oauth2-proxy's <c>X-Auth-Request-*</c>: who the user is, which only EdgeProxy may say (from a validated token).</summary>
    public const string AuthRequestPrefix = "X-Auth-Request-";

    /// <summary>Whether an inbound header must go: a forwarded/client-address header or an <c>X-Auth-Request-*</c> one, any spelling.</summary>
    public static bool IsSpoofable(string name) =>
        Set.Contains(name)
        || (name.Length > AuthRequestPrefix.Length && (name[1] is '-' or '_') && (name.StartsWith(AuthRequestPrefix, StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("X_Auth_Request_", StringComparison.OrdinalIgnoreCase)));
}
