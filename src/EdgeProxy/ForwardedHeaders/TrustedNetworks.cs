using System.Net;
using System.Net.Sockets;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// An immutable CIDR allowlist. Bare addresses mean one host (/32 or /128). IPv4-mapped IPv6 addresses
/// (<c>::ffff:10.1.2.3</c>, what a dual-stack socket reports for an IPv4 peer) are matched as IPv4 on both
/// sides, so an operator never has to list a network twice. Empty matches nothing.
/// </summary>
internal sealed class TrustedNetworks
{
    public static readonly TrustedNetworks None = new([]);

    private readonly IPNetwork[] _v4;
    private readonly IPNetwork[] _v6;

    public TrustedNetworks(IReadOnlyCollection<IPNetwork> networks)
    {
        Networks = networks;
        var v4 = new List<IPNetwork>();
        var v6 = new List<IPNetwork>();
        foreach (var network in networks)
        {
            (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? v4 : v6).Add(network);
        }

        _v4 = [.. v4];
        _v6 = [.. v6];
    }

    public IReadOnlyCollection<IPNetwork> Networks { get; }

    public bool IsEmpty => Networks.Count == 0;

    public bool Contains(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var networks = address.AddressFamily == AddressFamily.InterNetwork ? _v4 : _v6;
        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses one CIDR or bare address; an IPv4-mapped IPv6 network becomes the IPv4 network it denotes.</summary>
    public static bool TryParseNetwork(string text, out IPNetwork network, out string error)
    {
        network = default;
        error = string.Empty;
        var trimmed = text.AsSpan().Trim();
        if (trimmed.IsEmpty)
        {
            error = "empty entry";
            return false;
        }

        if (trimmed.Contains('/'))
        {
            var slash = trimmed.IndexOf('/');
            if (!IsStrictAddress(trimmed[..slash]) || !IPAddress.TryParse(trimmed[..slash], out var typed) || !IPNetwork.TryParse(trimmed, out network))
            {
                error = "is not a CIDR (e.g. 10.0.0.0/8, 2001:db8::/32) or an IP address";
                return false;
            }

            if (!network.BaseAddress.Equals(typed))
            {
                // 10.1.2.3/8 could mean the host or the /8; trusting the wider one by accident is the worse mistake.
                error = $"has bits set after the prefix length; write {network} for the network or {typed} for one host";
                return false;
            }
        }
        else if (IsStrictAddress(trimmed) && IPAddress.TryParse(trimmed, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        }
        else
        {
            error = "is not a CIDR (e.g. 10.0.0.0/8, 2001:db8::/32) or an IP address";
            return false;
        }

        if (network.BaseAddress.IsIPv4MappedToIPv6 && network.PrefixLength >= 96)
        {
            network = new IPNetwork(network.BaseAddress.MapToIPv4(), network.PrefixLength - 96);
        }

        return true;
    }

    /// <summary>
    /// Parses a comma-separated list (the form route metadata takes), collecting every bad entry.
    /// </summary>
    public static TrustedNetworks Parse(string? list, List<string>? errors)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in (list ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (TryParseNetwork(entry, out var network, out var error))
            {
                networks.Add(network);
            }
            else
            {
                errors?.Add($"'{entry}' {error}");
            }
        }

        return new TrustedNetworks(networks);
    }

    /// <summary>
    /// True for a plain dotted-quad IPv4 or an unbracketed IPv6 literal without zone. <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>
    /// alone also accepts "1", "0x7f.1", "[::1]:80" and "::1%eth0", none of which a proxy writes.
    /// </summary>
    public static bool IsStrictAddress(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text.Length > 45)
        {
            return false;
        }

        if (text.Contains(':'))
        {
            foreach (var c in text)
            {
                if (!(char.IsAsciiHexDigit(c) || c == ':' || c == '.'))
                {
                    return false;
                }
            }

            return true;
        }

        var dots = 0;
        var digits = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.')
            {
                if (digits == 0)
                {
                    return false;
                }

                dots++;
                digits = 0;
            }
            else if (char.IsAsciiDigit(c) && ++digits <= 3 && !(digits == 2 && text[i - 1] == '0'))
            {
                continue; // no leading zeros: 010 is 8 to inet_aton and 10 to .NET
            }
            else
            {
                return false;
            }
        }

        return dots == 3 && digits > 0;
    }
}
