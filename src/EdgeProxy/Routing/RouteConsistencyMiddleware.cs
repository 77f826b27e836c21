using EdgeProxy.Paths;
using EdgeProxy.RequestHeaders;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Routing;

/// <summary>
/// Right after routing, before any route policy: a request that could be read another way (a path spelling servers
/// disagree on, an <c>X-HTTP-Method-Override</c> on a route that keeps it) goes on only if every reading selects
/// the route that was matched, so the policy applied is the policy of the route the upstream will act on. A path
/// with a backslash, a <c>;</c> parameter, an encoded control character, an encoded dot segment or a double
/// encoding is refused unless the route says <c>"EdgeProxy.Path": "AsSent"</c>; every other request passes untouched.
/// </summary>
internal sealed partial class RouteConsistencyMiddleware(RequestDelegate next, RouteProbe probe, ILogger<RouteConsistencyMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Features.Find<PathReading>();
        var overrides = context.Features.Find<MethodOverrideRequest>();
        var parameter = MethodOverrideParameter.Read(context.Request.QueryString);
        if ((path is null || !path.Ambiguous) && overrides is null && parameter is null)
        {
            return next(context);
        }

        // No YARP route: the 404 (or 405) below answers, nothing reaches an upstream.
        var route = context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config;
        return route is null ? next(context) : CheckAsync(context, route, path, overrides, parameter);
    }

    private async Task CheckAsync(HttpContext context, RouteConfig route, PathReading? path, MethodOverrideRequest? overrides, List<string>? parameter)
    {
        if (path is { Problems: not PathProblems.None } && !RoutePathPolicy.AllowsAsSent(route))
        {
            await RefuseAsync(context, route, $"the path holds {RoutePathPolicy.Describe(path.Problems)}, which servers read in different ways");
            return;
        }

        var methods = new List<string> { context.Request.Method };
        if (parameter is not null)
        {
            // Not removed (that would rewrite the query the app signs or reads): refused, or judged like the headers.
            var named = parameter.Count == 1 && parameter[0].Trim() is { Length: > 0 } one && one.All(char.IsAsciiLetter) ? one.ToUpperInvariant() : null;
            if (!RouteMethodOverridePolicy.Allows(route) || named is null)
            {
                await RefuseAsync(context, route, RouteMethodOverridePolicy.Allows(route)
                    ? "the query's _method parameter does not name one method"
                    : $"the query holds a _method parameter, which frameworks read as the request's method, and route '{route.RouteId}' does not allow method overrides");
                return;
            }

            if (!named.Equals(context.Request.Method, StringComparison.OrdinalIgnoreCase))
            {
                methods.Add(named);
            }
        }

        if (overrides is not null && RouteMethodOverridePolicy.Allows(route))
        {
            if (RouteMethodOverridePolicy.EffectiveMethod(overrides) is not { } method)
            {
                await RefuseAsync(context, route, $"the method-override headers ({string.Join(", ", overrides.Headers.Select(h => h.Key))}) do not name one method");
                return;
            }

            if (!methods.Contains(method, StringComparer.OrdinalIgnoreCase))
            {
                methods.Add(method);
            }
        }

        var paths = new List<PathString> { context.Request.Path };
        if (path is { Ambiguous: true })
        {
            if (PathReadings.Combinations(path) is var count and > PathReadings.MaxCombinations)
            {
                // Bounds the routing passes a request can cost (PathReadings.MaxCombinations says why refusing is safe).
                await RefuseAsync(context, route, $"the path mixes so many spellings servers read in different ways ({RoutePathPolicy.Describe(path.Problems)}) that it can be read in {count} ways, more than the {PathReadings.MaxCombinations} checked");
                return;
            }

            paths.AddRange(PathReadings.Of(path));
        }

        foreach (var method in methods)
        {
            foreach (var reading in paths)
            {
                if ((method, reading) == (context.Request.Method, context.Request.Path))
                {
                    continue;
                }

                var other = await probe.RouteIdAsync(context, method, reading);
                if (!string.Equals(other, route.RouteId, StringComparison.Ordinal))
                {
                    var served = other is null ? "by no route" : $"by route '{other}'";
                    await RefuseAsync(context, route, $"read as {method} {reading.Value} it would be served {served}, not by route '{route.RouteId}' whose rules were applied");
                    return;
                }
            }
        }

        if (overrides is not null && RouteMethodOverridePolicy.Allows(route))
        {
            foreach (var (name, values) in overrides.Headers)
            {
                context.Request.Headers[name] = values; // this route keeps them: the upstream acts on the override
            }
        }

        await next(context);
    }

    private Task RefuseAsync(HttpContext context, RouteConfig route, string reason)
    {
        Log.Refused(logger, route.RouteId, reason);
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return context.Response.WriteAsync($"400 Bad Request: {reason}. Send the request in its plain form.\n");
    }

    private static partial class Log
    {
        // Information: a client can cause it at will, and it explains a 400 an operator is asked about.
        [LoggerMessage(EventIds.RequestReadingRefused, LogLevel.Information, "Request refused on route {RouteId}: {Reason}")]
        public static partial void Refused(ILogger logger, string routeId, string reason);
    }
}
