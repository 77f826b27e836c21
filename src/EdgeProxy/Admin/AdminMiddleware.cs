using EdgeProxy.Tls;

namespace EdgeProxy.Admin;

/// <summary>
/// Answers every request that arrived on the admin listener and lets none of them reach routing or the
/// proxy; requests on public listeners pass straight through, so <c>/healthz</c> there is just a path.
/// </summary>
internal sealed class AdminMiddleware
{
    private readonly RequestDelegate _next;
    private readonly Dictionary<string, RequestDelegate> _endpoints;

    public AdminMiddleware(RequestDelegate next, ReadinessState readiness, IEnumerable<AdminEndpoint> extra, IEnumerable<ReadinessDetail> details)
    {
        _next = next;
        var detail = details.ToArray();
        _endpoints = new Dictionary<string, RequestDelegate>(StringComparer.OrdinalIgnoreCase)
        {
            ["/healthz"] = context => Text(context, StatusCodes.Status200OK, "ok"),
            // The first line is the status word probes and `EdgeProxy health` read; detail lines follow and never change the code.
            ["/readyz"] = context => Text(context, readiness.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
                string.Join('\n', detail.SelectMany(d => d.Lines()).Prepend(readiness.Describe()))),
        };
        foreach (var endpoint in extra)
        {
            _endpoints[endpoint.Path] = endpoint.Handler;
        }
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<ListenerFeature>()?.Kind != ListenerKind.Admin)
        {
            return _next(context);
        }

        return _endpoints.TryGetValue(context.Request.Path.Value ?? "/", out var handler)
            ? handler(context)
            : Text(context, StatusCodes.Status404NotFound, "not found; admin paths: " + string.Join(' ', _endpoints.Keys));
    }

    private static Task Text(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(body + "\n");
    }
}
