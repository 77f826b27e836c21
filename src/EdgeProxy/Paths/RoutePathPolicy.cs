using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Paths;

/// <summary>Route metadata <c>"EdgeProxy.Path"</c>: <c>Canonical</c> (default) or <c>AsSent</c>.</summary>
internal static class RoutePathPolicy
{
    public const string MetadataKey = Proxy.RouteMetadataKeys.Path;
    public const string Canonical = "Canonical";
    public const string AsSent = "AsSent";

    /// <summary>Anything but a valid <c>AsSent</c> is the default: an unreadable value never loosens a route.</summary>
    public static bool AllowsAsSent(RouteConfig route) =>
        route.Metadata?.TryGetValue(MetadataKey, out var value) == true && AsSent.Equals(value, StringComparison.OrdinalIgnoreCase);

    public static bool IsValid(string? value) =>
        Canonical.Equals(value, StringComparison.OrdinalIgnoreCase) || AsSent.Equals(value, StringComparison.OrdinalIgnoreCase);

    /// <summary>The text of a 400 for a path this route will not pass on.</summary>
    public static string Describe(PathProblems problems)
    {
        var parts = new List<string>();
        if (problems.HasFlag(PathProblems.Backslash))
        {
            parts.Add("a backslash (\\ or %5C)");
        }

        if (problems.HasFlag(PathProblems.Semicolon))
        {
            parts.Add("a ';' parameter");
        }

        if (problems.HasFlag(PathProblems.ControlCharacter))
        {
            parts.Add("an encoded control character (%00-%1F, %7F, C1)");
        }

        if (problems.HasFlag(PathProblems.EncodedDotSegment))
        {
            parts.Add("a dot segment behind an encoded slash (..%2F)");
        }

        if (problems.HasFlag(PathProblems.DoubleEncoding))
        {
            parts.Add("a double-encoded character (%25 followed by hex digits)");
        }

        return string.Join(", ", parts);
    }
}
