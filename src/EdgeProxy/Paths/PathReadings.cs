namespace EdgeProxy.Paths;

/// <summary>The other ways servers read a path that is not read one way only (<see cref="PathReading.Ambiguous"/>).</summary>
internal static class PathReadings
{
    /// <summary>
    /// The most combinations of readings checked for one path; a path open to more is refused (400) even on an
    /// <c>AsSent</c> route. Each reading is a full routing pass over the whole path (about one plain request's CPU for
    /// an 8 KB path), so without a bound an 8 KB path of mixed spellings cost 35-70 plain requests, and 8 still cost
    /// 3-8. Refusing is the closed side: the request reaches nothing. One kind of ambiguous spelling (ids with
    /// <c>%2F</c>, a legacy <c>;jsessionid</c>, backslashes, an encoded control character, a double encoding of
    /// <c>/</c>) needs 2 or 4 combinations, two kinds 4; more needs three kinds at once (<c>%2F</c>, <c>\</c> and
    /// <c>;</c>), or a double encoding that hides a <c>\</c> or <c>;</c> beside another kind, which no browser,
    /// HTTP library or app generates.
    /// </summary>
    public const int MaxCombinations = 4;

    /// <summary>How many combinations of readings <see cref="Of"/> would go through (the path itself among them).</summary>
    public static int Combinations(PathReading path) => (1 << Steps(path).Count) * (path.Problems.HasFlag(PathProblems.ControlCharacter) ? 2 : 1);

    /// <summary>
    /// The other paths a server behind us could take this one for: every combination of decoding it once more (a
    /// double encoding), reading <c>%2F</c> and <c>\</c> as separators, dropping <c>;params</c> and cutting at a
    /// control character, each made canonical again. Only the transformations this path is open to are combined.
    /// </summary>
    public static IEnumerable<PathString> Of(PathReading path)
    {
        var steps = Steps(path);
        var cut = path.Problems.HasFlag(PathProblems.ControlCharacter);
        var seen = new HashSet<string>(StringComparer.Ordinal) { path.Routed.Value! };
        for (var subset = 0; subset < 1 << steps.Count; subset++)
        {
            foreach (var truncate in cut ? [false, true] : new[] { false })
            {
                var raw = path.Raw;
                for (var i = 0; i < steps.Count; i++)
                {
                    raw = (subset & (1 << i)) != 0 ? steps[i](raw) : raw;
                }

                var decoded = PathString.FromUriComponent(PathSegments.Normalize(raw, PathSegments.DotSegmentInRaw)).Value!;
                if (truncate && decoded.AsSpan().IndexOfAnyInRange('\u0000', '\u001F') is var at and >= 0)
                {
                    decoded = decoded[..at];
                }

                var reading = PathSegments.Normalize(decoded, static s => s is "." or ".." ? s : null);
                if (seen.Add(reading))
                {
                    yield return new PathString(reading);
                }
            }
        }
    }

    /// <summary>
    /// In order: the first decoding of a double encoding (what it reveals, <c>%2F</c>, <c>%5C</c> or <c>;</c>, is then
    /// open to the steps after it; the final canonicalisation is the second decoding), <c>%2F</c> as <c>/</c>,
    /// <c>\</c> as <c>/</c>, <c>;params</c> dropped.
    /// </summary>
    private static List<Func<string, string>> Steps(PathReading path)
    {
        var steps = new List<Func<string, string>>(4);
        var doubled = path.Problems.HasFlag(PathProblems.DoubleEncoding);
        var revealed = doubled ? PathReading.DecodeOnce(path.Raw) : path.Raw;
        if (doubled)
        {
            steps.Add(PathReading.DecodeOnce);
        }

        if (path.EncodedSlash || path.Problems.HasFlag(PathProblems.EncodedDotSegment) || revealed.Contains("%2F", StringComparison.OrdinalIgnoreCase))
        {
            steps.Add(static raw => raw.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase));
        }

        if (path.Problems.HasFlag(PathProblems.Backslash) || revealed.Contains('\\') || revealed.Contains("%5C", StringComparison.OrdinalIgnoreCase))
        {
            steps.Add(static raw => raw.Replace("%5C", "/", StringComparison.OrdinalIgnoreCase).Replace('\\', '/'));
        }

        if (path.Problems.HasFlag(PathProblems.Semicolon) || revealed.Contains(';') || revealed.Contains("%3B", StringComparison.OrdinalIgnoreCase))
        {
            // A ';' revealed by a first decoding is still %3B here (the second decoding comes last).
            steps.Add(static raw => string.Join('/', raw.Split('/').Select(segment => segment.Split([";", "%3B", "%3b"], 2, StringSplitOptions.None)[0])));
        }

        return steps;
    }
}
