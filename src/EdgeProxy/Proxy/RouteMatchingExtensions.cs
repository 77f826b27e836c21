namespace EdgeProxy.Proxy;

internal static class RouteMatchingExtensions
{
    /// <summary>
    /// ASP.NET Core routing, with a request that several routes match answered 500 with a reason and logged
    /// naming the routes, instead of an exception escaping every middleware before it.
    /// </summary>
    public static IApplicationBuilder UseRouteMatching(this IApplicationBuilder app) =>
        app.UseMiddleware<AmbiguousRouteGuard>().UseRouting();
}
