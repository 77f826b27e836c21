using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace EdgeProxy.Tls;

/// <summary>
/// Plain-HTTP listeners answer 308 to the same host, path and query on HTTPS. 308 (not 301) keeps the
/// method and body, so a POST to http:// is not silently turned into a GET. Whatever must stay on HTTP
/// (ACME HTTP-01 challenges) is answered by middleware placed before this one.
/// </summary>
internal sealed class HttpsRedirectMiddleware(RequestDelegate next, IOptionsMonitor<HttpsRedirectOptions> options, ListenerBinder listeners)
{
    public Task InvokeAsync(HttpContext context)
    {
        // Not the listener alone: behind a trusted TLS-terminating load balancer that says X-Forwarded-Proto: https
        // (an AWS ALB forwarding to port 8080), redirecting would loop. The scheme a trusted peer vouched for is
        // the ForwardedClient's; a client's own X-Forwarded-Proto never gets there.
        if (context.Request.IsHttps || context.Features.Find<ListenerFeature>()?.Kind != ListenerKind.Http || !options.CurrentValue.Enabled
            || context.Features.Find<ForwardedHeaders.ForwardedClient>()?.Proto == "https")
        {
            return next(context);
        }

        var host = context.Request.Host;
        if (!host.HasValue)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return context.Response.WriteAsync("400 Bad Request: a Host header is required\n");
        }

        var port = options.CurrentValue.Port ?? listeners.HttpsPort ?? 443;
        var target = port == 443 ? new HostString(host.Host) : new HostString(host.Host, port);
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        // The target exactly as the client sent it: Request.Path is decoded except for %2F, which rebuilding the URL
        // would escape again (a/b%2Fc → a/b%252Fc, another resource). Absolute-form targets are rebuilt.
        var raw = context.Features.Find<IHttpRequestFeature>()?.RawTarget;
        context.Response.Headers.Location = raw is ['/', ..]
            ? "https://" + target.ToUriComponent() + raw
            : UriHelper.BuildAbsolute("https", target, context.Request.PathBase, context.Request.Path, context.Request.QueryString);
        return Task.CompletedTask;
    }
}
