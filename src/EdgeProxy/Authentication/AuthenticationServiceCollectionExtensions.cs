using EdgeProxy.Configuration;
using Microsoft.AspNetCore.Authorization;
using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeProxy.Authentication;

internal static class AuthenticationServiceCollectionExtensions
{
    /// <summary>
    /// JWT bearer schemes from <c>EdgeProxy:Authentication:Jwt</c>, route policies from <c>EdgeProxy:Authorization</c>,
    /// and the identity-header transform on every route.
    /// </summary>
    public static IServiceCollection AddEdgeProxyAuthentication(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var settings = BoundOptions.Get<EdgeProxyAuthenticationOptions>(configuration); // schemes are registered once: a change needs a restart (RestartRequired)
        var schemes = new JwtSchemeNames([.. settings.Jwt.Keys]);

        // No default scheme, not even the lone one ASP.NET Core would promote: only routes whose policy names a
        // scheme authenticate, so anonymous routes never parse a token or wait on an issuer.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        var authentication = services.AddAuthentication();
        foreach (var (name, scheme) in settings.Jwt)
        {
            authentication.AddJwtBearer(name, o => JwtSchemeSetup.Apply(o, name, scheme, contentRoot));
        }

        services.AddAuthorization();
        services.AddSingleton(schemes);
        services.AddSingleton(settings);
        services.AddSingleton<IssuerStatus>();
        services.AddSingleton<JwtChallengeEvents>();
        services.AddSingleton<IAuthorizationPolicyProvider, RoutePolicyProvider>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AuthorizationRefusals>(); // 401/403 with a body saying why, logged with the route
        services.AddSingleton<ITransformProvider, IdentityHeadersTransformProvider>();
        services.AddHostedService<IssuerWarmup>();
        return services;
    }
}
