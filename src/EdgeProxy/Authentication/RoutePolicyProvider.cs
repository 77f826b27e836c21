using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace EdgeProxy.Authentication;

/// <summary>
/// Serves <c>EdgeProxy:Authorization</c> policies to YARP (route validation) and the authorization middleware,
/// rebuilt from the bound options whenever the file reloads, so a new route and its new policy can arrive in the same edit.
/// </summary>
internal sealed partial class RoutePolicyProvider : IAuthorizationPolicyProvider
{
    private readonly IOptionsFactory<EdgeProxyAuthorizationOptions> _factory;
    private readonly JwtSchemeNames _schemes;
    private readonly ILogger<RoutePolicyProvider> _logger;
    private volatile RoutePolicies _policies;

    public RoutePolicyProvider(IOptionsMonitor<EdgeProxyAuthorizationOptions> options, IOptionsFactory<EdgeProxyAuthorizationOptions> factory, JwtSchemeNames schemes, ILogger<RoutePolicyProvider> logger)
    {
        _factory = factory;
        _schemes = schemes;
        _logger = logger;
        _policies = Build(options.CurrentValue);
        options.OnChange(o => _policies = Build(o)); // lives as long as the process: the provider is a singleton
    }

    /// <summary>Policies change on reload; the middleware must not cache them per endpoint.</summary>
    public bool AllowsCachingPolicies => false;

    public Task<AuthorizationPolicy?> GetPolicyAsync(string policyName)
    {
        if (_policies.Named.TryGetValue(policyName, out var policy))
        {
            return Task.FromResult<AuthorizationPolicy?>(policy);
        }

        // YARP may validate a reloaded route before the options monitor heard of the reload: bind the options afresh.
        var fresh = Build(_factory.Create(Options.DefaultName));
        _policies = fresh;
        return Task.FromResult(fresh.Named.GetValueOrDefault(policyName));
    }

    public Task<AuthorizationPolicy> GetDefaultPolicyAsync() => Task.FromResult(_policies.Default);

    public Task<AuthorizationPolicy?> GetFallbackPolicyAsync() => Task.FromResult(_policies.Fallback);

    /// <summary>Whether routes without a policy of their own get DefaultPolicy (and so must see the middleware).</summary>
    public bool HasFallback => _policies.Fallback is not null;

    private RoutePolicies Build(EdgeProxyAuthorizationOptions options) =>
        RoutePolicies.Build(options, _schemes.Names, (policy, scheme) => Log.UnknownScheme(_logger, policy, scheme));

    private static partial class Log
    {
        [LoggerMessage(EventIds.AuthPolicySchemeNotRunning, LogLevel.Error,
            "EdgeProxy:Authorization:Policies:{Policy} names scheme '{Scheme}', which this process does not run (EdgeProxy:Authentication changes need a restart); the policy denies every request until then")]
        public static partial void UnknownScheme(ILogger logger, string policy, string scheme);
    }
}
