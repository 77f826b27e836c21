using System.Net;
using EdgeProxy.Tls;

namespace EdgeProxy.Admin;

/// <summary>
/// Which Host names the admin listener answers to (<see cref="AdminOptions.AllowedHosts"/>): IP addresses and
/// <c>localhost</c> always, configured names exactly, <c>*.domain</c> for subdomains, <c>*</c> for all. A browser sends
/// the name it resolved, so a page whose name was pointed at the proxy (DNS rebinding) carries its own name and is
/// refused; a request to an IP address is cross-origin to every such page, so addresses are always safe.
/// </summary>
internal static class AdminHosts
{
    public const string Localhost = "localhost";

    /// <summary>Whether <paramref name="host"/> (the Host header's name, port removed) may be answered.</summary>
    public static bool Allows(string host, IReadOnlyList<string> allowed)
    {
        if (host.Length == 0 || IsAddress(host) || host.Equals(Localhost, StringComparison.OrdinalIgnoreCase))
        {
            return true; // no Host (HTTP/1.0 probes) cannot be a browser's; an address is its own origin
        }

        foreach (var entry in allowed)
        {
            if (entry == "*"
                || host.Equals(entry, StringComparison.OrdinalIgnoreCase)
                || (entry.StartsWith("*.", StringComparison.Ordinal) && host.Length > entry.Length - 1 && host.EndsWith(entry.AsSpan(1), StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Why an entry of <see cref="AdminOptions.AllowedHosts"/> cannot match a Host, or null when it can.</summary>
    public static string? Problem(string entry)
    {
        if (entry == "*")
        {
            return null;
        }

        var name = entry.StartsWith("*.", StringComparison.Ordinal) ? entry[2..] : entry;
        if (name.Contains("://", StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal) || name.Contains('/', StringComparison.Ordinal))
        {
            return $"'{entry}': a host name only, without scheme, port or path";
        }

        return name.Length == 0 || name.EndsWith('.') || name.Contains('*', StringComparison.Ordinal) || !HostNames.IsValid(name)
            ? $"'{entry}' is not a host name, '*.' followed by a domain, or '*'"
            : null;
    }

    private static bool IsAddress(string host) =>
        host.StartsWith('[') ? host.EndsWith(']') && IPAddress.TryParse(host.AsSpan(1, host.Length - 2), out _) : IPAddress.TryParse(host, out _);
}
