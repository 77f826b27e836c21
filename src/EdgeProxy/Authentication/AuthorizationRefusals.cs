using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Authentication;

/// <summary>
/// What a client refused at the edge reads, and what the operator sees: the framework's 401/403 (with RFC 6750's
/// <c>WWW-Authenticate</c>, set by the JwtBearer challenge and <see cref="JwtChallengeEvents"/>) gets a short text
/// body saying why, and one Information line names the route. The framework alone sends an empty body and logs
/// nothing above Debug, which leaves a "401 on route -" in the access log and nothing else to go on.
/// </summary>
internal sealed partial class AuthorizationRefusals(ILogger<AuthorizationRefusals> logger) : IAuthorizationMiddlewareResultHandler
{
    /// <summary>Where <see cref="JwtChallengeEvents"/> leaves the token's problem for the body.</summary>
    public const string TokenProblemItem = "EdgeProxy.Authentication.TokenProblem";

    private readonly AuthorizationMiddlewareResultHandler _framework = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        await _framework.HandleAsync(next, context, policy, authorizeResult);
        if (!(authorizeResult.Challenged || authorizeResult.Forbidden) || context.Response.HasStarted
            || context.Response.StatusCode is not (StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden))
        {
            return; // allowed, or answered already (503 while the issuer's keys cannot be had)
        }

        var route = context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config; // none: a path no route matches, under DefaultPolicy
        var status = context.Response.StatusCode;
        var why = status == StatusCodes.Status401Unauthorized
            ? context.Items[TokenProblemItem] is string problem ? "the bearer token was refused: " + problem : "a bearer token is required (Authorization: Bearer <token>)"
            : $"the token does not satisfy {PolicyName(route)}: {Unmet(authorizeResult.AuthorizationFailure)}";
        Log.Refused(logger, route?.RouteId ?? "(no route)", status, why);

        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var phrase = status == StatusCodes.Status401Unauthorized ? "401 Unauthorized" : "403 Forbidden";
        var where = route is null ? string.Empty : $"route '{route.RouteId}': ";
        await context.Response.WriteAsync($"{phrase}: {where}{why}\n", context.RequestAborted);
    }

    private static string PolicyName(Yarp.ReverseProxy.Configuration.RouteConfig? route) =>
        route?.AuthorizationPolicy is { Length: > 0 } name ? $"policy '{name}'" : "EdgeProxy:Authorization:DefaultPolicy";

    /// <summary>The conditions the token failed, by name only: nothing from the token is repeated back.</summary>
    private static string Unmet(AuthorizationFailure? failure)
    {
        var unmet = (failure?.FailedRequirements ?? []).Select(r => r switch
        {
            ScopeRequirement s => $"scopes {string.Join(' ', s.Scopes)} required",
            ClaimsAuthorizationRequirement { AllowedValues: { } values } c when values.Any() => $"claim '{c.ClaimType}' must be one of {string.Join(", ", values)}",
            ClaimsAuthorizationRequirement c => $"claim '{c.ClaimType}' required",
            RolesAuthorizationRequirement roles => $"one of the roles {string.Join(", ", roles.AllowedRoles)} required",
            DenyAnonymousAuthorizationRequirement => "a valid token required",
            AssertionRequirement => "the policy's scheme is not running (restart EdgeProxy)",
            _ => r.GetType().Name,
        }).Distinct(StringComparer.Ordinal).ToList();
        return unmet.Count > 0 ? string.Join("; ", unmet) : "refused";
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.AuthRequestRefused, LogLevel.Information, "Route {RouteId}: {StatusCode} at the edge, {Reason}")]
        public static partial void Refused(ILogger logger, string routeId, int statusCode, string reason);
    }
}
