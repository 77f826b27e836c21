namespace EdgeProxy.RateLimiting;

/// <summary>
/// <c>EdgeProxy:RateLimiting</c>: rate and concurrency limits by name, built on ASP.NET Core's rate limiting. A route
/// names one with YARP's own route field <c>RateLimiterPolicy</c>; <c>DefaultPolicy</c> applies to every route as well.
/// </summary>
public sealed class RateLimitingOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:RateLimiting</c>.</summary>
    public const string SectionName = "EdgeProxy:RateLimiting";

    /// <summary>
    /// A policy that applies to every proxied request, before the route's own <c>RateLimiterPolicy</c> (both apply). A route
    /// opts out of both with <c>"RateLimiterPolicy": "Disable"</c>. Default: none. Whether a default exists is fixed at start.
    /// </summary>
    public string? DefaultPolicy { get; set; }

    /// <summary>
    /// Policies by name. Limits reload with the file; the set of names is fixed at start (ASP.NET Core registers policies
    /// once), so a reload that makes a route use a new name is refused until a restart. <c>Default</c> and <c>Disable</c> are
    /// YARP's reserved values and cannot be names.
    /// </summary>
    public Dictionary<string, RateLimitPolicyOptions> Policies { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
