using Microsoft.AspNetCore.Authorization;

namespace EdgeProxy.Authentication;

internal static class RouteAuthorizationExtensions
{
    // WebApplication puts UseAuthentication() and UseAuthorization() at the front of the pipeline by itself when
    // their services are registered, unless the application already set these (WebApplicationBuilder's
    // AuthenticationMiddlewareSetKey and AuthorizationMiddlewareSetKey).
    private const string AuthenticationMiddlewareSet = "__AuthenticationMiddlewareSet";
    private const string AuthorizationMiddlewareSet = "__AuthorizationMiddlewareSet";

    /// <summary>
    /// Route policies (401/403/503) for the requests that have one, and nothing for the rest. Every policy names
    /// its schemes, so the authorization middleware authenticates by itself: the authentication middleware would
    /// only open a DI scope and an async frame per request to find there is no default scheme. Requests on routes
    /// without a policy, when no DefaultPolicy is configured, skip both (about 1 KB and ~10 µs less per request,
    /// bench/README.md).
    /// </summary>
    public static IApplicationBuilder UseRouteAuthorization(this IApplicationBuilder app)
    {
        var policies = (RoutePolicyProvider)app.ApplicationServices.GetRequiredService<IAuthorizationPolicyProvider>();
        app.Properties[AuthenticationMiddlewareSet] = true;
        app.Properties[AuthorizationMiddlewareSet] = true;
        return app.UseWhen(context => policies.HasFallback || HasPolicy(context.GetEndpoint()), branch => branch.UseAuthorization());
    }

    private static bool HasPolicy(Endpoint? endpoint) =>
        endpoint is not null && (endpoint.Metadata.GetMetadata<IAuthorizeData>() is not null || endpoint.Metadata.GetMetadata<AuthorizationPolicy>() is not null);
}
