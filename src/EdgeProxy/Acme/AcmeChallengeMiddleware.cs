using EdgeProxy.Tls;

namespace EdgeProxy.Acme;

/// <summary>
/// Answers <c>GET /.well-known/acme-challenge/&lt;token&gt;</c> on plain-HTTP listeners before the HTTPS redirect,
/// auth and routing. The Host header carries a port on non-80 ports: the host is compared without it.
/// </summary>
internal sealed class AcmeChallengeMiddleware(RequestDelegate next, Http01Challenges challenges)
{
    private const string Prefix = "/.well-known/acme-challenge/";

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (path is null || !path.StartsWith(Prefix, StringComparison.Ordinal) || context.Features.Find<ListenerFeature>()?.Kind != ListenerKind.Http
            || !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        {
            return next(context);
        }

        var answer = challenges.Find(path[Prefix.Length..], context.Request.Host.Host);
        context.Response.ContentType = "text/plain";
        if (answer is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        return context.Response.WriteAsync(answer);
    }
}
