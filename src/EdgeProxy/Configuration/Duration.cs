using System.ComponentModel;
using System.Globalization;

namespace EdgeProxy.Configuration;

/// <summary>
/// A duration in an EdgeProxy key: what .NET binds (<c>00:01:40</c>) and what nginx and Caddy users type
/// (<c>100s</c>, <c>5m</c>, <c>24h</c>, <c>250ms</c>, <c>1d</c>). A bare number other than 0 is refused: .NET would
/// read <c>"60"</c> as 60 days, nginx users mean 60 seconds. The binder reads it through this type's own converter,
/// so nothing changes how any other <see cref="TimeSpan"/> (Kestrel's, YARP's) is read.
/// </summary>
/// <param name="Value">The length of time.</param>
[TypeConverter(typeof(DurationConverter))]
public readonly record struct Duration(TimeSpan Value)
{
    /// <summary>The length of time.</summary>
    public static implicit operator TimeSpan(Duration duration) => duration.Value;

    /// <summary>A duration of <paramref name="value"/>.</summary>
    public static implicit operator Duration(TimeSpan value) => new(value);

    /// <summary>The length of time.</summary>
    public TimeSpan ToTimeSpan() => Value;

    /// <summary>A duration of <paramref name="value"/>.</summary>
    public static Duration FromTimeSpan(TimeSpan value) => new(value);

    /// <summary>As EdgeProxy shows it: <c>00:01:40 (1 min 40 s)</c>.</summary>
    public override string ToString() => Show(Value);

    internal static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (IsBareNumber(text))
        {
            return text.All(c => c == '0');
        }

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
    internal static TimeSpan Read(IConfiguration config, string key, TimeSpan fallback, ConfigReport report)
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

        report.Fail(key, Problem(raw));
        return fallback;
    }

    /// <summary>Why <paramref name="raw"/> is not a duration, with what to write instead.</summary>
    internal static string Problem(string raw, string examples = "\"30s\", \"5m\", \"24h\" or \"00:00:30\"") => IsBareNumber(raw.Trim())
        ? $"'{raw}' has no unit (.NET reads a bare number as {raw.Trim()} days); write \"{raw.Trim()}s\" for seconds, or \"{raw.Trim()}m\", \"{raw.Trim()}h\""
        : $"'{raw}' is not a duration; use e.g. {examples}";

    /// <summary>
    /// A duration as EdgeProxy understood it, in .NET's constant format with a reading for people:
    /// <c>60.00:00:00 (60 days)</c>, <c>00:01:40 (1 min 40 s)</c>.
    /// </summary>
    internal static string Show(TimeSpan value) => $"{value.ToString("c", CultureInfo.InvariantCulture)} ({Spoken(value)})";

    private static string Spoken(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "zero";
        }

        var parts = new List<string>(4);
        if (value.Days > 0)
        {
            parts.Add(value.Days == 1 ? "1 day" : $"{value.Days} days");
        }

        Add(parts, value.Hours, "h");
        Add(parts, value.Minutes, "min");
        Add(parts, value.Seconds, "s");
        Add(parts, value.Milliseconds, "ms");
        return parts.Count == 0 ? $"{value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms" : string.Join(' ', parts);
    }

    private static void Add(List<string> parts, int amount, string unit)
    {
        if (amount > 0)
        {
            parts.Add($"{amount} {unit}");
        }
    }

    private static bool IsBareNumber(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);
}
