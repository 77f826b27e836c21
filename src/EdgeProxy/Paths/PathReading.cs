using System.Buffers;
using System.Text;

namespace EdgeProxy.Paths;

/// <summary>
/// One request path made canonical from the bytes the client sent (Kestrel's <c>RawTarget</c>): doubled slashes
/// merged and dot segments resolved in one pass, as nginx does with <c>merge_slashes on</c>. <see cref="Routed"/> is
/// what routes match (decoded as Kestrel decodes: everything but <c>%2F</c>); <see cref="Upstream"/> is the same
/// path with every escape the client wrote kept as written, which is what the upstream receives. A path that
/// different servers read differently is flagged (<see cref="Problems"/>, <see cref="EncodedSlash"/>) with the
/// other ways it can be read (<see cref="PathReadings"/>), so the route can be checked against each.
/// </summary>
internal sealed class PathReading
{
    private static readonly SearchValues<char> Unusual = SearchValues.Create("%\\;");

    private PathReading(string upstream, PathString routed, PathProblems problems, bool encodedSlash, string raw)
    {
        Upstream = upstream;
        Routed = routed;
        Problems = problems;
        EncodedSlash = encodedSlash;
        Raw = raw;
    }

    /// <summary>The canonical path as the upstream receives it: the client's own escapes, a raw <c>\</c> as <c>%5C</c> (.NET's Uri would make it <c>/</c>).</summary>
    public string Upstream { get; }

    /// <summary>The canonical path, decoded as Kestrel decodes (everything but <c>%2F</c>): what routes match.</summary>
    public PathString Routed { get; }

    public PathProblems Problems { get; }

    /// <summary>A <c>%2F</c> the upstream may read as a separator; not a problem when every reading picks one route.</summary>
    public bool EncodedSlash { get; }

    /// <summary>Whether the route must be checked against <see cref="PathReadings.Of"/> before the request may go on.</summary>
    public bool Ambiguous => Problems != PathProblems.None || EncodedSlash;

    /// <summary>The canonical path with the client's escapes and characters, before anything is escaped for the upstream.</summary>
    internal string Raw { get; }

    /// <summary>
    /// Null when the path needs nothing (no <c>%</c>, <c>\</c>, <c>;</c>, <c>//</c> or <c>/.</c>: what Kestrel decoded
    /// is what was sent, and YARP sends it on as is), which is nearly every request.
    /// </summary>
    public static PathReading? Parse(string? rawTarget)
    {
        if (string.IsNullOrEmpty(rawTarget))
        {
            return null;
        }

        var path = PathOf(rawTarget);
        if (path.IsEmpty || (path.IndexOfAny(Unusual) < 0 && path.IndexOf("//") < 0 && path.IndexOf("/.") < 0))
        {
            return null;
        }

        var raw = PathSegments.Normalize(path.ToString(), PathSegments.DotSegmentInRaw);
        var problems = PathProblems.None;
        if (raw.Contains('\\') || raw.Contains("%5C", StringComparison.OrdinalIgnoreCase))
        {
            problems |= PathProblems.Backslash;
        }

        if (raw.Contains(';'))
        {
            problems |= PathProblems.Semicolon;
        }

        var once = DecodeOnce(raw);
        if (HasEscape(once))
        {
            problems |= PathProblems.DoubleEncoding;
        }

        var encodedSlash = raw.Contains("%2F", StringComparison.OrdinalIgnoreCase);
        if (encodedSlash && raw.Split('/').Any(segment => segment.Split(["%2F", "%2f"], StringSplitOptions.None).Any(piece => PathSegments.DotSegmentInRaw(piece) is not null)))
        {
            problems |= PathProblems.EncodedDotSegment;
        }

        var routed = PathString.FromUriComponent(raw);
        if (routed.Value!.AsSpan().IndexOfAnyInRange('\u0000', '\u001F') >= 0 || routed.Value.AsSpan().IndexOfAnyInRange('\u007F', '\u009F') >= 0)
        {
            problems |= PathProblems.ControlCharacter;
        }

        return new PathReading(PathEscaping.Escape(raw, keepEscapes: true), routed, problems, encodedSlash, raw);
    }

    private static ReadOnlySpan<char> PathOf(string rawTarget)
    {
        var target = rawTarget.AsSpan();
        if (target[0] != '/')
        {
            // Absolute form (http://host/path): the path starts at the first slash after the authority.
            var scheme = target.IndexOf("://");
            if (scheme < 0)
            {
                return default; // asterisk or authority form: no path
            }

            var slash = target[(scheme + 3)..].IndexOf('/');
            target = slash < 0 ? "/" : target[(scheme + 3 + slash)..];
        }

        var query = target.IndexOf('?');
        return query < 0 ? target : target[..query];
    }

    /// <summary>
    /// The path decoded once, byte for byte (not as UTF-8, so an invalid UTF-8 escape such as <c>%FF</c> is not taken
    /// for a second encoding). When it still holds an escape the path is a double encoding: <c>%252F</c>, but also
    /// <c>%25%32%46</c>, <c>%%32%46</c> and <c>%2%46</c> (the hex digits encoded too) all read <c>%2F</c> to a server
    /// that decodes once; <see cref="PathReadings"/> reads it from here.
    /// </summary>
    internal static string DecodeOnce(string raw)
    {
        if (!raw.Contains('%'))
        {
            return raw;
        }

        var once = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (IsEscape(raw, i))
            {
                once.Append((char)((HexValue(raw[i + 1]) << 4) | HexValue(raw[i + 2])));
                i += 2;
            }
            else
            {
                once.Append(raw[i]);
            }
        }

        return once.ToString();
    }

    private static bool HasEscape(string decoded)
    {
        for (var i = decoded.IndexOf('%'); i >= 0; i = decoded.IndexOf('%', i + 1))
        {
            if (IsEscape(decoded, i))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsEscape(string text, int i) =>
        text[i] == '%' && i + 2 < text.Length && char.IsAsciiHexDigit(text[i + 1]) && char.IsAsciiHexDigit(text[i + 2]);

    private static int HexValue(char c) => char.IsAsciiDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}
