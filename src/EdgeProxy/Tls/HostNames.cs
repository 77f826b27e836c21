using System.Buffers;

namespace EdgeProxy.Tls;

/// <summary>
/// Whether a Host (HTTP/2 <c>:authority</c>), port removed, is a name or address: an IP literal, or dot-separated
/// labels of 1 to 63 letters, digits, <c>-</c> and <c>_</c>, at most 253 characters, with at most one trailing dot
/// (the root; <c>a.test.</c> is <c>a.test</c>, as browsers and the SNI lookup read it). Kestrel accepts any RFC 3986
/// reg-name (<c>a.test..</c>, <c>.a.test</c>, <c>a..test</c>, <c>a!test</c>): such a Host names no server, yet an
/// upstream that trims every trailing dot or empty label would read it as a name whose SNI entry was never consulted.
/// </summary>
internal static class HostNames
{
    private static readonly SearchValues<char> LabelCharacters = SearchValues.Create("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz");

    public static bool IsValid(ReadOnlySpan<char> host)
    {
        if (host.StartsWith('['))
        {
            return true; // an IPv6 literal: Kestrel checked it
        }

        if (host.EndsWith('.'))
        {
            host = host[..^1];
        }

        if (host.IsEmpty || host.Length > 253)
        {
            return false;
        }

        foreach (var range in host.Split('.'))
        {
            var label = host[range];
            if (label.IsEmpty || label.Length > 63 || label.ContainsAnyExcept(LabelCharacters))
            {
                return false;
            }
        }

        return true;
    }
}
