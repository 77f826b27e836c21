using EdgeProxy.Configuration;
using Microsoft.AspNetCore.Authorization;
using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeProxy.Authentication;

/// <summary>
/// <c>EdgeProxy:Authentication</c> and <c>EdgeProxy:Authorization</c>: every scheme, every policy and every route
/// that names one, all problems at once. Routes' policy names and metadata are checked by YARP's own validator
/// through <see cref="AddRouteValidation"/>.
/// </summary>
internal static class AuthenticationConfigValidator
{
    public static void Validate(IConfiguration config, string contentRoot, ConfigReport report)
    {
        var schemes = config.GetSection(EdgeProxyAuthenticationOptions.SectionName + ":Jwt").GetChildren().ToList();
        foreach (var scheme in schemes)
        {
            JwtSchemeValidator.Validate(config, scheme, contentRoot, report);
        }

        var names = schemes.Select(s => s.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var authorization = config.GetSection(EdgeProxyAuthorizationOptions.SectionName);
        var policies = authorization.GetSection("Policies").GetChildren().ToList();
        foreach (var policy in policies)
        {
            RoutePolicyValidator.Validate(policy, names, report);
        }

        var defaultPolicy = authorization["DefaultPolicy"];
        if (!string.IsNullOrEmpty(defaultPolicy) && !policies.Any(p => p.Key.Equals(defaultPolicy, StringComparison.OrdinalIgnoreCase)))
        {
            report.Fail(authorization.Path + ":DefaultPolicy", $"'{defaultPolicy}' is not defined under {authorization.Path}:Policies");
        }
        else if (!string.IsNullOrEmpty(defaultPolicy))
        {
            report.Ok(authorization.Path + ":DefaultPolicy", $"routes without AuthorizationPolicy need '{defaultPolicy}'; opt out with \"Anonymous\"");
        }

        var protectedRoutes = config.GetSection("ReverseProxy:Routes").GetChildren()
            .Where(r => r["AuthorizationPolicy"] is { Length: > 0 } p && !p.Equals("Anonymous", StringComparison.OrdinalIgnoreCase))
            .Select(r => r.Path + ":AuthorizationPolicy")
            .ToList();
        if (names.Count == 0 && (policies.Count > 0 || !string.IsNullOrEmpty(defaultPolicy) || protectedRoutes.Count > 0))
        {
            var needer = protectedRoutes.FirstOrDefault() ?? (policies.Count > 0 ? policies[0].Path : authorization.Path + ":DefaultPolicy");
            report.Fail(EdgeProxyAuthenticationOptions.SectionName + ":Jwt", $"no scheme is configured, but {needer} needs one; add an issuer (Authority, Audiences)");
        }
    }

    /// <summary>
    /// For <c>ReverseProxyConfigValidator</c>'s throwaway YARP: the policy names this configuration defines (so
    /// routes naming them validate, and routes naming others FAIL) and the identity-header metadata checks.
    /// </summary>
    public static Action<IServiceCollection> AddRouteValidation(IConfiguration config) => services =>
    {
        var names = config.GetSection(EdgeProxyAuthorizationOptions.SectionName + ":Policies").GetChildren().Select(p => p.Key).ToList();
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
