using System.Globalization;

namespace EdgeProxy.Configuration;

/// <summary>
/// Durations in EdgeProxy keys accept what .NET binds (<c>00:01:40</c>) and what nginx and Caddy
/// users type (<c>100s</c>, <c>5m</c>, <c>24h</c>, <c>250ms</c>, <c>1d</c>).
/// </summary>
internal static class Duration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value))
        {
            return value >= TimeSpan.Zero;
        }

        var unitStart = 0;
        while (unitStart < text.Length && (char.IsAsciiDigit(text[unitStart]) || text[unitStart] == '.'))
        {
            unitStart++;
        }

        if (unitStart == 0 || !double.TryParse(text.AsSpan(0, unitStart), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        double? ms = text[unitStart..] switch
        {
            "ms" => number,
            "s" => number * 1000,
            "m" => number * 60_000,
            "h" => number * 3_600_000,
            "d" => number * 86_400_000,
            _ => null,
        };
        if (ms is null)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(ms.Value);
        return true;
    }

    /// <summary>Reads an optional duration key, reporting a FAIL that names the key when it does not parse.</summary>
    public static TimeSpan Read(IConfiguration config, string key, TimeSpan fallback, ConfigReport report)
    {
        var raw = config[key];
        if (raw is null)
        {
            return fallback;
        }

        if (TryParse(raw, out var value))
        {
            return value;
        }

        report.Fail(key, $"'{raw}' is not a duration; use e.g. \"30s\", \"5m\", \"24h\" or \"00:00:30\"");
        return fallback;
    }
}
