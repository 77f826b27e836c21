using EdgeProxy.Configuration;

namespace EdgeProxy.Hsts;

internal static class HstsMaxAge
{
    public static readonly long OneYear = (long)TimeSpan.FromDays(365).TotalSeconds;

    /// <summary>Plain digits are seconds (what the header carries); anything else is a duration such as <c>365d</c>.</summary>
    public static bool TryParse(string? text, out long seconds)
    {
        seconds = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.All(char.IsAsciiDigit))
        {
            return long.TryParse(text, out seconds);
        }

        if (Duration.TryParse(text, out var duration))
        {
            seconds = (long)duration.TotalSeconds;
            return true;
        }

        return false;
    }
}
