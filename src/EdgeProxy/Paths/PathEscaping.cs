using System.Buffers;
using System.Text;

namespace EdgeProxy.Paths;

/// <summary>Escaping for the path the upstream receives: what RFC 3986 allows in a path stays as it is.</summary>
internal static class PathEscaping
{
    private static readonly SearchValues<char> Valid = SearchValues.Create("!$&'()*+,-./0123456789:;=@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~");

    /// <summary>
    /// Escapes every run of characters a path may not hold (UTF-8, like YARP). With <paramref name="keepEscapes"/>,
    /// a <c>%</c> before two hex digits is an escape the client wrote and stays; any other <c>%</c> becomes <c>%25</c>.
    /// </summary>
    public static string Escape(string path, bool keepEscapes)
    {
        var span = path.AsSpan();
        if (span.IndexOfAnyExcept(Valid) is var first && first < 0)
        {
            return path;
        }

        var builder = new StringBuilder(path.Length + 16).Append(span[..first]);
        var i = first;
        while (i < span.Length)
        {
            if (Valid.Contains(span[i]) || (keepEscapes && IsEscape(span, i)))
            {
                builder.Append(span[i++]);
                continue;
            }

            var start = i;
            while (i < span.Length && !Valid.Contains(span[i]) && !(keepEscapes && IsEscape(span, i)))
            {
                i++;
            }

            builder.Append(Uri.EscapeDataString(span[start..i]));
        }

        return builder.ToString();
    }

    private static bool IsEscape(ReadOnlySpan<char> span, int i) =>
        span[i] == '%' && i + 2 < span.Length && char.IsAsciiHexDigit(span[i + 1]) && char.IsAsciiHexDigit(span[i + 2]);
}
