using Microsoft.AspNetCore.Http.Features;

namespace EdgeProxy.Paths;

/// <summary>
/// Just before routing: makes the path canonical (<see cref="PathReading"/>) so the path a route matches is the
/// path the upstream receives, and leaves the reading as a feature for the route check after routing and for
/// the upstream transform. Nearly every request has nothing to do here and allocates nothing.
/// </summary>
internal sealed class CanonicalPathMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (PathReading.Parse(context.Features.Find<IHttpRequestFeature>()?.RawTarget) is { } reading)
        {
            context.Features.Set(reading);
            if (!context.Request.PathBase.HasValue)
            {
                context.Request.Path = reading.Routed;
            }
        }

        return next(context);
    }
}
