using System.Net;
using Microsoft.Extensions.Primitives;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// RFC 7239 <c>Forwarded</c> elements read from the right. Elements are delimited scanning backwards
/// (commas outside quoted strings), so whatever a client wrote on the left, however broken, cannot change
/// how the elements our trusted proxies appended on the right are read.
/// </summary>
internal static class ForwardedElements
{
    /// <summary>The elements of every <c>Forwarded</c> line, rightmost first.</summary>
    public static EntriesFromRight FromRight(StringValues values) => new(values, LastCommaOutsideQuotes);

    internal static int LastCommaOutsideQuotes(ReadOnlySpan<char> text)
    {
        var quoted = false;
        for (var i = text.Length - 1; i >= 0; i--)
        {
            var c = text[i];
            if (c == '"')
            {
                var backslashes = 0;
                while (i - 1 - backslashes >= 0 && text[i - 1 - backslashes] == '\\')
                {
                    backslashes++;
                }

                if (backslashes % 2 == 0)
                {
                    quoted = !quoted;
                }
            }
            else if (c == ',' && !quoted)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Splits one element into its <c>for</c>, <c>proto</c> and <c>host</c> values (quotes removed). False when
    /// the element breaks the grammar or repeats a parameter: such an element is never trusted.
    /// </summary>
    public static bool TryParseElement(ReadOnlySpan<char> element, out ReadOnlySpan<char> forValue, out ReadOnlySpan<char> proto, out ReadOnlySpan<char> host)
    {
        forValue = proto = host = default;
        bool seenFor = false, seenProto = false, seenHost = false, seenBy = false;
        var i = 0;
        while (i < element.Length)
        {
            while (i < element.Length && element[i] is ' ' or '\t')
            {
                i++;
            }

            if (i < element.Length && element[i] == ';')
            {
                i++; // empty pair: allowed by the grammar
                continue;
            }

            var nameStart = i;
            while (i < element.Length && IsTokenChar(element[i]))
            {
                i++;
            }

            var name = element[nameStart..i];
            if (name.IsEmpty || i >= element.Length || element[i] != '=')
            {
                return false;
            }

            i++;
            ReadOnlySpan<char> value;
            if (i < element.Length && element[i] == '"')
            {
                var close = element[(i + 1)..].IndexOf('"');
                if (close < 0)
                {
                    return false;
                }

                value = element.Slice(i + 1, close);
                if (value.Contains('\\'))
                {
                    return false; // no address, scheme or host needs an escape
                }

                i += close + 2;
            }
            else
            {
                var valueStart = i;
                while (i < element.Length && IsTokenChar(element[i]))
                {
                    i++;
                }

                value = element[valueStart..i];
                if (value.IsEmpty)
                {
                    return false;
                }
            }

            if (!Assign(name, value, ref forValue, ref proto, ref host, ref seenFor, ref seenProto, ref seenHost, ref seenBy))
            {
                return false;
            }

            while (i < element.Length && element[i] is ' ' or '\t')
            {
                i++;
            }

            if (i < element.Length && element[i] != ';')
            {
                return false;
            }

            i++;
        }

        return true;
    }

    private static bool Assign(ReadOnlySpan<char> name, ReadOnlySpan<char> value, ref ReadOnlySpan<char> forValue, ref ReadOnlySpan<char> proto, ref ReadOnlySpan<char> host,
        ref bool seenFor, ref bool seenProto, ref bool seenHost, ref bool seenBy)
    {
        if (name.Equals("for", StringComparison.OrdinalIgnoreCase))
        {
            forValue = value;
            return !Exchange(ref seenFor);
        }

        if (name.Equals("proto", StringComparison.OrdinalIgnoreCase))
        {
            proto = value;
            return !Exchange(ref seenProto);
        }

        if (name.Equals("host", StringComparison.OrdinalIgnoreCase))
        {
            host = value;
            return !Exchange(ref seenHost);
        }

        // by= is checked for repetition like the others; extension parameters are ignored.
        return !name.Equals("by", StringComparison.OrdinalIgnoreCase) || !Exchange(ref seenBy);
    }

    private static bool Exchange(ref bool seen)
    {
        var was = seen;
        seen = true;
        return was;
    }

    /// <summary>
    /// A <c>for=</c> node: IPv4 or [IPv6], optionally with a numeric port. <c>unknown</c> and obfuscated
    /// <c>_names</c> are legal RFC 7239 but name no address, so they end the walk like any unusable entry.
    /// </summary>
    public static IPAddress? ParseNode(ReadOnlySpan<char> node)
    {
        ReadOnlySpan<char> address;
        ReadOnlySpan<char> port = default;
        if (node.Length > 0 && node[0] == '[')
        {
            var close = node.IndexOf(']');
            if (close < 0)
            {
                return null;
            }

            address = node[1..close];
            var rest = node[(close + 1)..];
            if (!rest.IsEmpty)
            {
                if (rest[0] != ':')
                {
                    return null;
                }

                port = rest[1..];
                if (!HeaderValues.IsPort(port))
                {
                    return null;
                }
            }

            if (!address.Contains(':'))
            {
                return null;
            }
        }
        else
        {
            var colon = node.IndexOf(':');
            address = colon < 0 ? node : node[..colon];
            if (colon >= 0 && !HeaderValues.IsPort(node[(colon + 1)..]))
            {
                return null;
            }

            if (address.Contains(':'))
            {
                return null;
            }
        }

        return HeaderValues.ParseAddress(address);
    }

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
