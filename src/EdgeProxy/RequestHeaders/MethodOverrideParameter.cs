namespace EdgeProxy.RequestHeaders;

/// <summary>
/// A <c>_method</c> parameter in the query string, which Symfony and Laravel (with parameter override on) and Express's
/// method-override read as the request's method. Its name is read as PHP reads it (decoded, <c>+</c>, leading spaces,
/// <c>.</c> and <c>[...]</c> as PHP folds them: <c>?.method=</c> and <c>?%5Fmethod=</c> are <c>$_GET['_method']</c>),
/// case aside. The body's <c>_method</c> (Rails, Laravel forms) is not read: EdgeProxy does not parse bodies.
/// </summary>
internal static class MethodOverrideParameter
{
    public const string Name = "_method";

    /// <summary>The values of every <c>_method</c> parameter, or null when the query has none (nearly every request: one vectorised scan).</summary>
    public static List<string>? Read(QueryString query)
    {
        var text = query.Value;
        if (string.IsNullOrEmpty(text) || !text.Contains("method", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        List<string>? values = null;
        foreach (var pair in text.TrimStart('?').Split('&', ';'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals]).TrimStart(' ');
            var bracket = name.IndexOf('[', StringComparison.Ordinal);
            name = (bracket < 0 ? name : name[..bracket]).Replace(' ', '_').Replace('.', '_');
            if (name.Equals(Name, StringComparison.OrdinalIgnoreCase))
            {
                (values ??= []).Add(equals < 0 ? string.Empty : Decode(pair[(equals + 1)..]));
            }
        }

        return values;
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
