namespace EdgeProxy.ClientCertificates;

/// <summary>
/// In the proxy pipeline: a route marked <c>"EdgeProxy.ClientCert": "Required"</c> answers 403 unless
/// the connection presented a certificate that passed validation (revocation included).
/// </summary>
internal sealed partial class ClientCertificateMiddleware(RequestDelegate next, ILogger<ClientCertificateMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var route = context.ProxyFeature().Route.Config;
        return RouteClientCertificatePolicy.Requirement(route) == ClientCertRequirement.Required ? RequireAsync(context, route) : next(context);
    }

    private async Task RequireAsync(HttpContext context, Yarp.ReverseProxy.Configuration.RouteConfig route)
    {
        var state = context.Features.Find<ClientCertificateState>() ?? ClientCertificateState.NotPresented;
        var verdict = await state.Verdict;
        if (!verdict.Valid)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "text/plain; charset=utf-8";
            var why = state.Certificate is null ? "no client certificate was presented" : "the client certificate was rejected: " + verdict.Verify["FAILED:".Length..];
            Log.Refused(logger, route.RouteId, why);
            await context.Response.WriteAsync($"403 Forbidden: route '{route.RouteId}' requires a valid client certificate; {why}\n", context.RequestAborted);
            return;
        }

        await next(context);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ClientCertificateRequiredByRoute, LogLevel.Information, "Route {RouteId}: 403 at the edge, {Reason}")]
        public static partial void Refused(ILogger logger, string routeId, string reason);
    }
}
