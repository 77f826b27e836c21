using Yarp.ReverseProxy.Model;

namespace EdgeProxy.RequestHeaders;

/// <summary>
/// The first request header whose value is not ASCII (Kestrel accepts UTF-8 and obs-text in values). The upstream
/// HttpClient refuses to write such a value unless the cluster names an encoding (YARP's
/// <c>ReverseProxy:Clusters:&lt;id&gt;:HttpClient:RequestHeaderEncoding</c>): sent anyway, the request failed as an
/// upstream error, was retried, and counted against the destination's passive health, so any client could take
/// destinations out.
/// </summary>
internal sealed record UnsendableHeader(string Name);

/// <summary>First step of the proxy pipeline: a request carrying an <see cref="UnsendableHeader"/> gets 400 naming it, before any try.</summary>
internal sealed partial class UnsendableHeaderMiddleware(RequestDelegate next, ILogger<UnsendableHeaderMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Find<UnsendableHeader>() is not { } header
            || context.Features.Find<IReverseProxyFeature>()?.Cluster?.Config.HttpClient?.RequestHeaderEncoding is { Length: > 0 })
        {
            return next(context);
        }

        // Information, without a stack trace: one line per refused request, like its access-log line.
        Log.Refused(logger, LogSafe(header.Name), context.GetEndpoint()?.DisplayName ?? "");
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(
            $"400 Bad Request: the value of request header {LogSafe(header.Name)} is not ASCII, and this route's upstream is sent ASCII header values only\n");
    }

    // Header names are tokens Kestrel checked, but a name can carry characters a terminal would act on (\v).
    private static string LogSafe(string name) => string.Concat(name.Select(c => c is >= ' ' and < (char)0x7F ? c.ToString() : "?"));

    private static partial class Log
    {
        [LoggerMessage(EventIds.UnsendableHeaderRefused, LogLevel.Information,
            "Request refused (400): header {Header} has a non-ASCII value the upstream of route {Route} cannot be sent")]
        public static partial void Refused(ILogger logger, string header, string route);
    }
}
