namespace EdgeProxy.Paths;

/// <summary>The other ways servers read a path that is not read one way only (<see cref="PathReading.Ambiguous"/>).</summary>
internal static class PathReadings
{
    /// <summary>
    /// The other paths a server behind us could take this one for: every combination of reading <c>%2F</c> and
    /// <c>\</c> as separators, dropping <c>;params</c>, decoding twice and cutting at a control character, each made
    /// canonical again. Only the transformations this path is open to are combined.
    /// </summary>
    public static IEnumerable<PathString> Of(PathReading path)
    {
        var steps = new List<Func<string, string>>();
        if (path.Problems.HasFlag(PathProblems.DoubleEncoding))
        {
            steps.Add(static raw => raw.Replace("%25", "%", StringComparison.OrdinalIgnoreCase));
        }

        if (path.EncodedSlash || path.Problems.HasFlag(PathProblems.EncodedDotSegment) || path.Problems.HasFlag(PathProblems.DoubleEncoding))
        {
            steps.Add(static raw => raw.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase));
        }

        if (path.Problems.HasFlag(PathProblems.Backslash))
        {
            steps.Add(static raw => raw.Replace("%5C", "/", StringComparison.OrdinalIgnoreCase).Replace('\\', '/'));
        }

        if (path.Problems.HasFlag(PathProblems.Semicolon))
        {
            steps.Add(static raw => string.Join('/', raw.Split('/').Select(segment => segment.Split(';')[0])));
        }

        if (path.Problems.HasFlag(PathProblems.DoubleEncoding))
        {
            // Decoded twice, what was hidden behind %25 (%255C, %253B) is a backslash or a parameter too.
            steps.Add(static raw => Uri.UnescapeDataString(raw.Replace("%25", "%", StringComparison.OrdinalIgnoreCase)).Replace('\\', '/'));
            steps.Add(static raw => string.Join('/', Uri.UnescapeDataString(raw.Replace("%25", "%", StringComparison.OrdinalIgnoreCase)).Split('/').Select(segment => segment.Split(';')[0])));
        }

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
}
