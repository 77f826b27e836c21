using EdgeProxy.Configuration;
using EdgeProxy.Proxy;
using Microsoft.AspNetCore.Authorization;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeProxy.Authentication;

/// <summary>
/// The routes as YARP read them against the bound <c>EdgeProxy:Authorization</c> and <c>EdgeProxy:Authentication</c>:
/// a route that needs a token needs a scheme to check it. Policy names and the identity-header metadata are checked by
/// YARP's own validator, through <see cref="AddRouteValidation"/>.
/// </summary>
internal static class AuthorizationRouteCheck
{
    public const string SchemesKey = EdgeProxyAuthenticationOptions.SectionName + ":Jwt";

    public static void Check(IEnumerable<RouteConfig> routes, EdgeProxyAuthorizationOptions authorization, IReadOnlySet<string> schemes, ConfigReport report)
    {
        if (schemes.Count > 0 || authorization.Policies is { Count: > 0 } || !string.IsNullOrEmpty(authorization.DefaultPolicy))
        {
            return; // a scheme is there, or EdgeProxyAuthorizationOptionsValidator already said none is
        }

        var needer = routes.FirstOrDefault(r => r.AuthorizationPolicy is { Length: > 0 } p && !p.Equals("Anonymous", StringComparison.OrdinalIgnoreCase));
        if (needer is not null)
        {
            report.Fail(SchemesKey, $"no scheme is configured, but {ReverseProxyConfigValidator.SectionName}:Routes:{needer.RouteId}:AuthorizationPolicy needs one; add an issuer (Authority, Audiences)");
        }
    }

    /// <summary>
    /// For <c>ReverseProxyConfigValidator</c>'s throwaway YARP: the policy names <paramref name="authorization"/> defines
    /// (so routes naming them validate, and routes naming others FAIL) and the identity-header metadata checks.
    /// </summary>
    public static Action<IServiceCollection> AddRouteValidation(EdgeProxyAuthorizationOptions authorization) => services =>
    {
        var names = (authorization.Policies ?? []).Keys.ToList();
        services.Configure<AuthorizationOptions>(o =>
        {
            foreach (var name in names)
            {
                o.AddPolicy(name, p => p.RequireAuthenticatedUser());
            }
        });
        services.AddSingleton(new EdgeProxyAuthenticationOptions());
        services.AddSingleton<ITransformProvider, IdentityHeadersTransformProvider>();
    };
}
