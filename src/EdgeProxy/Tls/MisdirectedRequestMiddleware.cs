using Microsoft.AspNetCore.Connections.Features;

namespace EdgeProxy.Tls;

/// <summary>
/// One TLS policy per request: on an https listener whose server names differ in certificate, TLS versions, HTTP
/// protocols or client-certificate mode, a request whose Host (HTTP/2 <c>:authority</c>) maps to a different SNI
/// entry than the one its connection was made under gets 421 Misdirected Request (RFC 9110 §15.5.20), before routing,
/// authentication or any upstream. Otherwise a client could handshake under a name that asks for no client
/// certificate and then name a host that requires one. Names under the same policy share connections, as browsers
/// coalescing HTTP/2 connections expect. A connection made without SNI is judged by the listener's default entry,
/// and a host no entry names maps to that entry too — the same lookup the handshake made. A Host that is no name
/// (<see cref="HostNames"/>: <c>a.test..</c>, <c>.a.test</c>) gets 400 on every listener.
/// </summary>
internal sealed partial class MisdirectedRequestMiddleware(RequestDelegate next, ILogger<MisdirectedRequestMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        // No Host (HTTP/1.0) names nothing: the request is served by whatever the connection's own name routes to.
        var host = context.Request.Host.Host;
        if (host.Length > 0 && !HostNames.IsValid(host))
        {
            return InvalidHostAsync(context, host);
        }

        if (context.Features.Find<ListenerFeature>()?.Tls is not { HasSeveralPolicies: true } endpoint)
        {
            return next(context);
        }

        return host.Length == 0 || context.Features.Find<TlsProfile>()?.SamePolicy(endpoint.Find(host)) == true
            ? next(context)
            : MisdirectedAsync(context, host);
    }

    private static Task InvalidHostAsync(HttpContext context, string host)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(
            $"400 Bad Request: Host '{host}' is not a host name (labels of letters, digits, '-' and '_', at most one trailing dot) nor an IP address\n",
            context.RequestAborted);
    }

    private Task MisdirectedAsync(HttpContext context, string host)
    {
        var serverName = context.Features.Find<ITlsHandshakeFeature>()?.HostName is { Length: > 0 } name ? name : null;
        Log.Misdirected(logger, host, context.Features.Find<ListenerFeature>()!.Name, serverName ?? "(none)");
        context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
        context.Response.ContentType = "text/plain; charset=utf-8";
        var made = serverName is null ? "without a server name (SNI)" : $"for server name '{serverName}'";
        return context.Response.WriteAsync(
            $"421 Misdirected Request: this connection was made {made}, whose TLS settings differ from those of '{host}'; connect again with '{host}' as the server name\n",
            context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.MisdirectedRequest, LogLevel.Debug, "Request for host {Host} on {Endpoint} answered 421: the connection was made for server name {ServerName}, under different TLS settings")]
        public static partial void Misdirected(ILogger logger, string host, string endpoint, string serverName);
    }
}
