namespace EdgeProxy.Routing;

/// <summary>Registration of the route consistency check that runs right after <c>UseRouting</c>.</summary>
internal static class RoutingExtensions
{
    /// <summary>Immediately after <c>UseRouting</c>, before timeouts, authorization and the proxy.</summary>
    public static IApplicationBuilder UseRouteConsistency(this WebApplication app)
    {
        var probe = new RouteProbe(app.Services, app);
        return app.UseMiddleware<RouteConsistencyMiddleware>(probe);
    }
}
