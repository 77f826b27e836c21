using System.Buffers;

namespace EdgeProxy.Paths;

/// <summary>
/// One request path made canonical from the bytes the client sent (Kestrel's <c>RawTarget</c>): doubled slashes
/// merged and dot segments resolved in one pass, as nginx does with <c>merge_slashes on</c>. <see cref="Routed"/> is
/// what routes match (decoded as Kestrel decodes: everything but <c>%2F</c>); <see cref="Upstream"/> is the same
/// path with every escape the client wrote kept as written, which is what the upstream receives. A path that
/// different servers read differently is flagged (<see cref="Problems"/>, <see cref="EncodedSlash"/>) with the
/// other ways it can be read (<see cref="Readings"/>), so the route can be checked against each.
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

    /// <summary>Whether the route must be checked against <see cref="Readings"/> before the request may go on.</summary>
    public bool Ambiguous => Problems != PathProblems.None || EncodedSlash;

    private string Raw { get; }

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

        var raw = Normalize(path.ToString(), DotSegmentInRaw);
        var problems = PathProblems.None;
        if (raw.Contains('\\') || raw.Contains("%5C", StringComparison.OrdinalIgnoreCase))
        {
            problems |= PathProblems.Backslash;
        }

        if (raw.Contains(';'))
        {
            problems |= PathProblems.Semicolon;
        }

        if (HasDoubleEncoding(raw))
        {
            problems |= PathProblems.DoubleEncoding;
        }

        var encodedSlash = raw.Contains("%2F", StringComparison.OrdinalIgnoreCase);
        if (encodedSlash && raw.Split('/').Any(segment => segment.Split(["%2F", "%2f"], StringSplitOptions.None).Any(piece => DotSegmentInRaw(piece) is not null)))
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

    /// <summary>
    /// The other paths a server behind us could take this one for: every combination of reading <c>%2F</c> and
    /// <c>\</c> as separators, dropping <c>;params</c>, decoding twice and cutting at a control character, each made
    /// canonical again. Only the transformations this path is open to are combined.
    /// </summary>
    public IEnumerable<PathString> Readings()
    {
        var steps = new List<Func<string, string>>();
        if (Problems.HasFlag(PathProblems.DoubleEncoding))
        {
            steps.Add(static raw => raw.Replace("%25", "%", StringComparison.OrdinalIgnoreCase));
        }

        if (EncodedSlash || Problems.HasFlag(PathProblems.EncodedDotSegment) || Problems.HasFlag(PathProblems.DoubleEncoding))
        {
            steps.Add(static raw => raw.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase));
        }

        if (Problems.HasFlag(PathProblems.Backslash))
        {
            steps.Add(static raw => raw.Replace("%5C", "/", StringComparison.OrdinalIgnoreCase).Replace('\\', '/'));
        }

        if (Problems.HasFlag(PathProblems.Semicolon))
        {
            steps.Add(static raw => string.Join('/', raw.Split('/').Select(segment => segment.Split(';')[0])));
        }

        if (Problems.HasFlag(PathProblems.DoubleEncoding))
        {
            // Decoded twice, what was hidden behind %25 (%255C, %253B) is a backslash or a parameter too.
            steps.Add(static raw => Uri.UnescapeDataString(raw.Replace("%25", "%", StringComparison.OrdinalIgnoreCase)).Replace('\\', '/'));
            steps.Add(static raw => string.Join('/', Uri.UnescapeDataString(raw.Replace("%25", "%", StringComparison.OrdinalIgnoreCase)).Split('/').Select(segment => segment.Split(';')[0])));
        }

        var cut = Problems.HasFlag(PathProblems.ControlCharacter);
        var seen = new HashSet<string>(StringComparer.Ordinal) { Routed.Value! };
        for (var subset = 0; subset < 1 << steps.Count; subset++)
        {
            foreach (var truncate in cut ? [false, true] : new[] { false })
            {
                var raw = Raw;
                for (var i = 0; i < steps.Count; i++)
                {
                    raw = (subset & (1 << i)) != 0 ? steps[i](raw) : raw;
                }

                var decoded = PathString.FromUriComponent(Normalize(raw, DotSegmentInRaw)).Value!;
                if (truncate && decoded.AsSpan().IndexOfAnyInRange('\u0000', '\u001F') is var at and >= 0)
                {
                    decoded = decoded[..at];
                }

                var reading = Normalize(decoded, static s => s is "." or ".." ? s : null);
                if (seen.Add(reading))
                {
                    yield return new PathString(reading);
                }
            }
        }
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

    /// <summary>Merges empty segments and resolves dot segments (as <paramref name="dot"/> names them), keeping a trailing slash.</summary>
    private static string Normalize(string path, Func<string, string?> dot)
    {
        var segments = path.Split('/');
        var kept = new List<string>(segments.Length);
        var trailingSlash = false;
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            trailingSlash = i == segments.Length - 1 && (segment.Length == 0 || dot(segment) is not null);
            switch (dot(segment))
            {
                case "..":
                    if (kept.Count > 0)
                    {
                        kept.RemoveAt(kept.Count - 1);
                    }

                    break;
                case ".":
                    break;
                default:
                    if (segment.Length > 0)
                    {
                        kept.Add(segment);
                    }

                    break;
            }
        }

        var joined = "/" + string.Join('/', kept);
        return trailingSlash && kept.Count > 0 ? joined + "/" : joined;
    }

    /// <summary>"." or ".." when a raw segment is a dot segment however its dots are spelled (<c>.</c>, <c>%2e</c>).</summary>
    private static string? DotSegmentInRaw(string segment)
    {
        if (segment.Length is 0 or > 6)
        {
            return null;
        }

        var dots = segment.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase);
        return dots is "." or ".." ? dots : null;
    }

    private static bool HasDoubleEncoding(string raw)
    {
        for (var i = raw.IndexOf("%25", StringComparison.Ordinal); i >= 0 && i + 4 < raw.Length; i = raw.IndexOf("%25", i + 3, StringComparison.Ordinal))
        {
            if (char.IsAsciiHexDigit(raw[i + 3]) && char.IsAsciiHexDigit(raw[i + 4]))
            {
                return true;
            }
        }

        return false;
    }
}
