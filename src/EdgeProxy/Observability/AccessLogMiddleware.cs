using System.Diagnostics;
using EdgeProxy.ClientCertificates;
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
internal sealed partial class AccessLogMiddleware(RequestDelegate next, IOptionsMonitor<AccessLogOptions> options, ILoggerFactory loggerFactory, EdgeProxyMetrics metrics)
{
    public const string Category = "EdgeProxy.AccessLog";
    private readonly ILogger _logger = loggerFactory.CreateLogger(Category);

    public Task InvokeAsync(HttpContext context)
    {
        var settings = options.CurrentValue;

        // Log off: only the metrics' timing, without the body-counting wrapper.
        return settings.Enabled && _logger.IsEnabled(LogLevel.Information) ? LogAsync(context, settings) : MeasureAsync(context);
    }

    private async Task MeasureAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            Measure(context, Stopwatch.GetElapsedTime(started));
        }
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
            var elapsed = Stopwatch.GetElapsedTime(start);
            Measure(context, elapsed);
            Write(context, settings, body.Bytes, elapsed);
        }
    }

    private void Measure(HttpContext context, TimeSpan elapsed)
    {
        var proxy = context.Features.Get<IReverseProxyFeature>();
        metrics.Request(proxy?.Route.Config.RouteId ?? "-", proxy?.Cluster?.Config.ClusterId ?? "-", Status(context), elapsed.TotalSeconds);
    }

    private static int Status(HttpContext context) =>
        context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;

    private void Write(HttpContext context, AccessLogOptions settings, long bytes, TimeSpan elapsed)
    {
        var request = context.Request;
        var proxy = context.Features.Get<IReverseProxyFeature>();
        var path = settings.IncludeQueryString ? request.Path.Value + request.QueryString.Value : request.Path.Value;
        var status = Status(context);
        var activity = Activity.Current;
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
            context.Features.Get<ListenerFeature>()?.Name ?? "-",
            activity?.TraceId.ToHexString() ?? "-",
            activity?.SpanId.ToHexString() ?? "-",
            context.Features.Get<ClientCertificateState>()?.Certificate?.Subject ?? "-");
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.AccessLog, LogLevel.Information,
            "{ClientIp} \"{Method} {Scheme}://{Host}{Path} {Protocol}\" {StatusCode} {ResponseBytes}B {DurationMs:0.0}ms route={RouteId} cluster={ClusterId} destination={Destination} tls={TlsProtocol} listener={Listener} trace={TraceId} span={SpanId} client_cert={ClientCertSubject}")]
        public static partial void Request(ILogger logger, string clientIp, string method, string scheme, string host, string path, string protocol,
            int statusCode, long responseBytes, double durationMs, string routeId, string clusterId, string destination, string tlsProtocol, string listener,
            string traceId, string spanId, string clientCertSubject);
    }
}
