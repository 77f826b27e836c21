namespace EdgeProxy.Hsts;

/// <summary>RFC 6797 §6.1 syntax: <c>max-age</c> exactly once (digits, optionally quoted), each directive at most once, names case-insensitive.</summary>
internal static class StsHeader
{
    public static string Format(long maxAgeSeconds, bool includeSubDomains, bool preload) =>
        $"max-age={maxAgeSeconds}{(includeSubDomains ? "; includeSubDomains" : string.Empty)}{(preload ? "; preload" : string.Empty)}";

    public static bool IsValid(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var hasMaxAge = false;
        foreach (var raw in value.Split(';'))
        {
            var directive = raw.Trim();
            if (directive.Length == 0)
            {
                continue; // RFC 6797 allows empty directives between semicolons
            }

            var equals = directive.IndexOf('=');
            var name = (equals < 0 ? directive : directive[..equals]).Trim();
            if (name.Length == 0 || !seen.Add(name))
            {
                return false;
            }

            if (name.Equals("max-age", StringComparison.OrdinalIgnoreCase))
            {
                var number = equals < 0 ? string.Empty : directive[(equals + 1)..].Trim();
                if (number.Length >= 2 && number[0] == '"' && number[^1] == '"')
                {
                    number = number[1..^1];
                }

                if (number.Length == 0 || number.Length > 19 || !number.All(char.IsAsciiDigit))
                {
                    return false;
                }

                hasMaxAge = true;
            }
        }

        return hasMaxAge;
    }
}
