using Microsoft.AspNetCore.Authorization;

namespace EdgeProxy.Authentication;

/// <summary>An immutable snapshot of <see cref="EdgeProxyAuthorizationOptions"/> as framework policies.</summary>
internal sealed class RoutePolicies
{
    private RoutePolicies(Dictionary<string, AuthorizationPolicy> named, AuthorizationPolicy @default, AuthorizationPolicy? fallback)
    {
        Named = named;
        Default = @default;
        Fallback = fallback;
    }

    public IReadOnlyDictionary<string, AuthorizationPolicy> Named { get; }

    /// <summary>What a route with <c>"AuthorizationPolicy": "Default"</c> gets: DefaultPolicy, or any valid token.</summary>
    public AuthorizationPolicy Default { get; }

    /// <summary>What a route without <c>AuthorizationPolicy</c> gets: DefaultPolicy, or nothing (anonymous).</summary>
    public AuthorizationPolicy? Fallback { get; }

    /// <summary>Builds every policy; <paramref name="unknownScheme"/> hears of (policy, scheme) pairs this process does not run.</summary>
    public static RoutePolicies Build(EdgeProxyAuthorizationOptions options, IReadOnlyList<string> running, Action<string, string> unknownScheme)
    {
        var named = new Dictionary<string, AuthorizationPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, settings) in options.Policies)
        {
            named[name] = Create(name, settings, running, unknownScheme);
        }

        var configuredDefault = options.DefaultPolicy is { Length: > 0 } d && named.TryGetValue(d, out var p) ? p : null;
        var anyToken = new AuthorizationPolicyBuilder([.. running]).RequireAuthenticatedUser().Build();
        return new RoutePolicies(named, configuredDefault ?? anyToken, configuredDefault);
    }

    private static AuthorizationPolicy Create(string name, RoutePolicyOptions settings, IReadOnlyList<string> running, Action<string, string> unknownScheme)
    {
        var schemes = settings.Schemes.Length > 0 ? settings.Schemes : [.. running];
        var usable = schemes.Where(s => running.Contains(s, StringComparer.OrdinalIgnoreCase)).ToArray();
        var builder = new AuthorizationPolicyBuilder(usable.Length > 0 ? usable : [.. running]).RequireAuthenticatedUser(); // some scheme must answer the challenge
        foreach (var missing in schemes.Where(s => !running.Contains(s, StringComparer.OrdinalIgnoreCase)))
        {
            unknownScheme(name, missing);
            builder.RequireAssertion(_ => false); // fail closed until a restart registers the scheme
        }

        foreach (var (type, values) in settings.Claims)
        {
            if (values.Length == 0)
            {
                builder.RequireClaim(type);
            }
            else
            {
                builder.RequireClaim(type, values);
            }
        }

        if (settings.Scopes.Length > 0)
        {
            builder.AddRequirements(new ScopeRequirement(settings.Scopes));
        }

        if (settings.Roles.Length > 0)
        {
            builder.RequireRole(settings.Roles);
        }

        return builder.Build();
    }
}
