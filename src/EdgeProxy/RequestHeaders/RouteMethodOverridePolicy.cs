using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.RequestHeaders;

/// <summary>Route metadata <c>"EdgeProxy.MethodOverride"</c>: <c>Strip</c> (default) or <c>Allow</c>.</summary>
internal static class RouteMethodOverridePolicy
{
    public const string MetadataKey = Proxy.RouteMetadataKeys.MethodOverride;
    public const string Strip = "Strip";
    public const string Allow = "Allow";

    /// <summary>Anything but a valid <c>Allow</c> is the default: an unreadable value never loosens a route.</summary>
    public static bool Allows(RouteConfig route) =>
        route.Metadata?.TryGetValue(MetadataKey, out var value) == true && Allow.Equals(value, StringComparison.OrdinalIgnoreCase);

    public static bool IsValid(string? value) =>
        Strip.Equals(value, StringComparison.OrdinalIgnoreCase) || Allow.Equals(value, StringComparison.OrdinalIgnoreCase);

    /// <summary>The one method every override header names, upper-cased; null when they disagree or one is not a method.</summary>
    public static string? EffectiveMethod(MethodOverrideRequest request)
    {
        string? method = null;
        foreach (var (_, values) in request.Headers)
        {
            var candidate = values.Count == 1 ? values[0]?.Trim() : null;
            if (string.IsNullOrEmpty(candidate) || !candidate.All(char.IsAsciiLetter) || (method is not null && !method.Equals(candidate, StringComparison.OrdinalIgnoreCase)))
            {
                return null;
            }

            method = candidate.ToUpperInvariant();
        }

        return method;
    }
}
