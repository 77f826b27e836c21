namespace EdgeProxy.Paths;

/// <summary>Segment-level canonicalisation shared by the canonical path and its other readings.</summary>
internal static class PathSegments
{
    /// <summary>Merges empty segments and resolves dot segments (as <paramref name="dot"/> names them), keeping a trailing slash.</summary>
    public static string Normalize(string path, Func<string, string?> dot)
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
    public static string? DotSegmentInRaw(string segment)
    {
        if (segment.Length is 0 or > 6)
        {
            return null;
        }

        var dots = segment.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase);
        return dots is "." or ".." ? dots : null;
    }
}
