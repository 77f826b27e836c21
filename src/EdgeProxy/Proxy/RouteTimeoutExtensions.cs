using Microsoft.AspNetCore.Http.Timeouts;

namespace EdgeProxy.Proxy;

internal static class RouteTimeoutExtensions
{
    /// <summary>
    /// ASP.NET Core request timeouts for the routes that set YARP's <c>Timeout</c> or <c>TimeoutPolicy</c> (YARP turns
    /// both into <see cref="RequestTimeoutAttribute"/> metadata and refuses such a route without the middleware).
    /// No default policy is ever configured, so other requests would only pay the middleware's per-call closure.
    /// </summary>
    public static IApplicationBuilder UseRouteTimeouts(this IApplicationBuilder app) =>
        app.UseWhen(
            context => context.GetEndpoint()?.Metadata.GetMetadata<RequestTimeoutAttribute>() is not null,
            branch => branch.UseRequestTimeouts());
}
