using System.Diagnostics;
using EdgeProxy.Tls;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Observability;

/// <summary>
/// One structured event per request on the public listeners: who, what, how it ended and where it went.
/// Header values (Authorization, Cookie, Set-Cookie ...) are never part of it.
/// </summary>
internal sealed partial class AccessLogMiddleware(RequestDelegate next, IOptionsMonitor<AccessLogOptions> options, ILoggerFactory loggerFactory)
{
    public const string Category = "EdgeProxy.AccessLog";
    private readonly ILogger _logger = loggerFactory.CreateLogger(Category);

    public Task InvokeAsync(HttpContext context)
    {
        var settings = options.CurrentValue;

        // Off: hand the request on without an async frame of our own (one allocation per request less).
        return settings.Enabled && _logger.IsEnabled(LogLevel.Information) ? LogAsync(context, settings) : next(context);
    }

    private async Task LogAsync(HttpContext context, AccessLogOptions settings)
    {
        var start = Stopwatch.GetTimestamp();
        var body = new CountingResponseBody(context.Features.Get<IHttpResponseBodyFeature>()!);
        context.Features.Set<IHttpResponseBodyFeature>(body);
        try
        {
            await next(context);
        }
        finally
        {
            Write(context, settings, body.Bytes, Stopwatch.GetElapsedTime(start));
        }
    }

    private void Write(HttpContext context, AccessLogOptions settings, long bytes, TimeSpan elapsed)
    {
        var request = context.Request;
        var proxy = context.Features.Get<IReverseProxyFeature>();
        var path = settings.IncludeQueryString ? request.Path.Value + request.QueryString.Value : request.Path.Value;
        var status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
        Log.Request(
            _logger,
            context.Connection.RemoteIpAddress?.ToString() ?? "-",
            request.Method,
            request.Scheme,
            request.Host.Value ?? "-",
            path ?? "/",
            request.Protocol,
            status,
            bytes,
            elapsed.TotalMilliseconds,
            proxy?.Route.Config.RouteId ?? "-",
            proxy?.Cluster?.Config.ClusterId ?? "-",
            proxy?.ProxiedDestination?.Model.Config.Address ?? "-",
            context.Features.Get<ITlsHandshakeFeature>()?.Protocol.ToString() ?? "-",
            context.Features.Get<ListenerFeature>()?.Name ?? "-");
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.AccessLog, LogLevel.Information,
            "{ClientIp} \"{Method} {Scheme}://{Host}{Path} {Protocol}\" {StatusCode} {ResponseBytes}B {DurationMs:0.0}ms route={RouteId} cluster={ClusterId} destination={Destination} tls={TlsProtocol} listener={Listener}")]
        public static partial void Request(ILogger logger, string clientIp, string method, string scheme, string host, string path, string protocol,
            int statusCode, long responseBytes, double durationMs, string routeId, string clusterId, string destination, string tlsProtocol, string listener);
    }
}
