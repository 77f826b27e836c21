namespace EdgeProxy.Configuration;

/// <summary>The known key an operator most likely meant: the nearest by edit distance, ignoring case.</summary>
internal static class KeySuggestion
{
    public static string? Nearest(string typed, IEnumerable<string> known)
    {
        var candidates = known as IReadOnlyCollection<string> ?? [.. known];
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(Comparable(typed), Comparable(candidate));
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        // One slip in a short key, up to a third of a long one: "Hstss", "MaxAgee", "EdgeProxy.AlowFrom", "HttpsRedirct".
        if (best is not null && bestDistance <= Math.Max(1, Math.Min(Comparable(best).Length, Comparable(typed).Length) / 3))
        {
            return best;
        }

        // A singular for a plural ("Policy" for Policies), or the start or the whole of exactly one known key
        // ("Idle" for IdleTimeout, "EdgeProxy.ClientCertificate" for EdgeProxy.ClientCert).
        var related = candidates.Where(k => Plural(typed, k)).Take(1).ToList();
        if (related.Count == 0)
        {
            related = [.. candidates.Where(k => Comparable(typed).Length >= 3 && Comparable(k).Length >= 3
                && (k.StartsWith(typed, StringComparison.OrdinalIgnoreCase) || typed.StartsWith(k, StringComparison.OrdinalIgnoreCase))).Take(2)];
        }

        return related.Count == 1 ? related[0] : null;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    /// <summary>Metadata keys share "EdgeProxy." and differ after it: compare what follows, in one case.</summary>
    private static string Comparable(string key) =>
        (key.Length > MetadataNode.Prefix.Length + 1 && key.StartsWith(MetadataNode.Prefix, StringComparison.OrdinalIgnoreCase) ? key[(MetadataNode.Prefix.Length + 1)..] : key).ToUpperInvariant();

    private static bool Plural(string typed, string known) =>
        known.Equals(typed + "s", StringComparison.OrdinalIgnoreCase)
        || (typed.EndsWith('y') && known.Equals(typed[..^1] + "ies", StringComparison.OrdinalIgnoreCase));
}
