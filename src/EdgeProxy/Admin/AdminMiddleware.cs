namespace EdgeProxy.Admin;

/// <summary>
/// The end of the admin server's pipeline: answers every request itself. The admin listener is a server of
/// its own, so nothing it receives can reach routing or the proxy, and <c>/healthz</c> on a public listener
/// is just a proxied path.
/// </summary>
internal sealed class AdminMiddleware
{
    private readonly Dictionary<string, RequestDelegate> _endpoints;

#pragma warning disable IDE0060 // the pipeline hands every middleware its next; this one never calls it
    public AdminMiddleware(RequestDelegate next, ReadinessState readiness, IEnumerable<AdminEndpoint> extra, IEnumerable<ReadinessDetail> details)
#pragma warning restore IDE0060
    {
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
        return _endpoints.TryGetValue(context.Request.Path.Value ?? "/", out var handler)
            ? handler(context)
            : Text(context, StatusCodes.Status404NotFound, "not found; admin paths: " + string.Join(' ', _endpoints.Keys));
    }

    /// <summary>Every plain-text answer of the admin listener: no caching, one line break at the end.</summary>
    internal static Task Text(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(body + "\n");
    }
}
