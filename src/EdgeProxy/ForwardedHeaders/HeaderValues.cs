using System.Net;
using Microsoft.Extensions.Primitives;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// Allocation-free helpers over comma-separated header values spread across header lines, read from the
/// right (the end nearest us), plus the checks a forwarded value must pass before anything uses it.
/// </summary>
internal static class HeaderValues
{
    /// <summary>The entry <paramref name="fromRight"/> places from the right, or the leftmost when there are fewer.</summary>
    public static ReadOnlySpan<char> EntryFromRight(StringValues values, int fromRight)
    {
        ReadOnlySpan<char> found = default;
        var seen = 0;
        foreach (var entry in new EntriesFromRight(values))
        {
            found = entry;
            if (seen++ == fromRight)
            {
                break;
            }
        }

        return found;
    }

    /// <summary>An X-Forwarded-For entry: a bare IPv4 or IPv6 address, nothing else (no port, brackets, zone, names).</summary>
    public static IPAddress? ParseAddress(ReadOnlySpan<char> entry) =>
        TrustedNetworks.IsStrictAddress(entry) && IPAddress.TryParse(entry, out var address) ? Normalize(address) : null;

    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static string? ParseProto(ReadOnlySpan<char> value) =>
        value.Equals("https", StringComparison.OrdinalIgnoreCase) ? "https"
        : value.Equals("http", StringComparison.OrdinalIgnoreCase) ? "http"
        : null;

    /// <summary>A host as it may appear in a Host header: reg-name, IPv4 or [IPv6], optional :port.</summary>
    public static bool IsHost(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > 261)
        {
            return false;
        }

        var hostEnd = value.Length;
        if (value[0] == '[')
        {
            var close = value.IndexOf(']');
            if (close < 2 || !IPAddress.TryParse(value[1..close], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }

            return close == value.Length - 1 || (value[close + 1] == ':' && IsPort(value[(close + 2)..]));
        }

        var colon = value.IndexOf(':');
        if (colon >= 0)
        {
            if (!IsPort(value[(colon + 1)..]))
            {
                return false;
            }

            hostEnd = colon;
        }

        if (hostEnd == 0)
        {
            return false;
        }

        foreach (var c in value[..hostEnd])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsPort(ReadOnlySpan<char> value) =>
        value.Length is > 0 and <= 5 && !value.ContainsAnyExceptInRange('0', '9') && int.Parse(value) is > 0 and < 65536;

    /// <summary>A path prefix: starts with '/', printable, no query or fragment.</summary>
    public static bool IsPrefix(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value[0] != '/' || value.Length > 1024)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c <= ' ' || c >= 0x7f || c is '?' or '#' or '"' or '\\')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The port of a Host value, if it names one.</summary>
    public static ReadOnlySpan<char> PortOf(ReadOnlySpan<char> host)
    {
        var close = host.LastIndexOf(']');
        var colon = host.LastIndexOf(':');
        return colon > close && (close >= 0 || host.IndexOf(':') == colon) ? host[(colon + 1)..] : default;
    }
}
