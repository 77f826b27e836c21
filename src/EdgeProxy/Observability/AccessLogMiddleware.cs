using System.Diagnostics;
using EdgeProxy.ClientCertificates;
using EdgeProxy.Tls;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Serilog.Events;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Observability;

/// <summary>
/// One structured event per request on the public listeners: who, what, how it ended and where it went.
/// Header values (Authorization, Cookie, Set-Cookie ...) are never part of it.
/// </summary>
internal sealed class AccessLogMiddleware(RequestDelegate next, IOptionsMonitor<AccessLogOptions> options, Serilog.ILogger serilog, ConsoleLogOutput console, EdgeProxyMetrics metrics)
{
    public const string Category = "EdgeProxy.AccessLog";

    // Serilog's own logger, not Microsoft.Extensions.Logging: the bridge would copy the request's logging scope
    // and an EventId structure into every event and grow the property dictionary several times over, about
    // 3 KB per request. Minimum levels and overrides for this SourceContext still apply.
    private readonly Serilog.ILogger _log = serilog.ForContext(Serilog.Core.Constants.SourceContextPropertyName, Category);

    public Task InvokeAsync(HttpContext context)
    {
        var settings = options.CurrentValue;

        // Log off: only the metrics' timing, without the body-counting wrapper.
        return settings.Enabled && _log.IsEnabled(LogEventLevel.Information) ? LogAsync(context, settings) : MeasureAsync(context);
    }

    private async Task MeasureAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        catch when (Escaped(context))
        {
            throw;
        }
        finally
        {
            Measure(context, context.Features.Find<IReverseProxyFeature>(), Stopwatch.GetElapsedTime(started));
        }
    }

    private async Task LogAsync(HttpContext context, AccessLogOptions settings)
    {
        var start = Stopwatch.GetTimestamp();

        // Read now: when an HTTP/2 client breaks its connection while the upstream works, Kestrel disposes the
        // SslStream before this request ends, and reading the protocol then throws (the event would be lost).
        var tls = context.Features.Find<ITlsHandshakeFeature>() is { } handshake ? TlsName(handshake.Protocol) : "-";
        var body = new CountingResponseBody(context.Features.Find<IHttpResponseBodyFeature>()!);
        context.Features.Set<IHttpResponseBodyFeature>(body);
        try
        {
            await next(context);
        }
        catch when (Escaped(context))
        {
            throw;
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            var proxy = context.Features.Find<IReverseProxyFeature>();
            Measure(context, proxy, elapsed);
            Write(context, proxy, settings, body.Bytes, elapsed, tls);
        }
    }

    private void Measure(HttpContext context, IReverseProxyFeature? proxy, TimeSpan elapsed)
    {
        metrics.Request(proxy?.Route.Config.RouteId ?? RefusedRoute(context) ?? "-", proxy?.Cluster?.Config.ClusterId ?? "-", Status(context), elapsed.TotalSeconds);
    }

    /// <summary>
    /// An exception leaving the pipeline before the response started becomes Kestrel's 500 after this middleware
    /// has returned; the status recorded here must be that 500, not the 200 the response still holds. Always false:
    /// the filter only marks the response, the exception goes on.
    /// </summary>
    private static bool Escaped(HttpContext context)
    {
        if (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }

        return false;
    }

    private static int Status(HttpContext context) =>
        context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;

    private void Write(HttpContext context, IReverseProxyFeature? proxy, AccessLogOptions settings, long bytes, TimeSpan elapsed, string tls)
    {
        var request = context.Request;
        var path = settings.IncludeQueryString ? request.Path.Value + request.QueryString.Value : request.Path.Value;
        var activity = Activity.Current;
        var retry = proxy is Retries.RetryState { WasRetried: true } state ? state : null;
        var refusal = context.Response.StatusCode == StatusCodes.Status429TooManyRequests ? context.Features.Find<RateLimiting.RateLimitRefusal>() : null;
        var entry = new AccessLogEntry(
            DateTimeOffset.Now,
            context.Connection.RemoteIpAddress?.ToString(),
            request.Method,
            request.Scheme,
            request.Host.Value,
            path ?? "/",
            request.Protocol,
            Status(context),
            bytes,
            elapsed.TotalMilliseconds,
            refusal is null ? proxy?.Route.Config.RouteId ?? RefusedRoute(context) : RefusedRoute(context), // refused before the proxy pipeline set its feature
            proxy?.Cluster?.Config.ClusterId,
            SafeAddress.ForLog(proxy?.ProxiedDestination?.Model.Config.Address), // never a destination's user info or query
            tls,
            context.Features.Find<ListenerFeature>()?.Name,
            TraceIds.Of(activity),
            context.Features.Find<ClientCertificateState>()?.Certificate?.Subject)
        {
            Retried = retry is not null,
            Tries = retry?.Tries ?? 0,
            HeldMs = retry?.Held.TotalMilliseconds ?? 0,
            RateLimitPolicy = refusal?.Policy,
        };

        // EdgeProxy's own console takes the line preformatted; any other sink gets the Serilog event.
        if (console.Sink is { } sink)
        {
            sink.Emit(entry);
        }
        else
        {
            _log.Write(entry.ToLogEvent());
        }
    }

    /// <summary>
    /// A request answered before YARP took it (401/403 at the edge, a 400 for its path) still belongs to the route
    /// routing chose: its endpoint says which. Read only when YARP's feature is absent.
    /// </summary>
    private static string? RefusedRoute(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.RouteId;

    private static string TlsName(System.Security.Authentication.SslProtocols protocol) => protocol switch
    {
        System.Security.Authentication.SslProtocols.Tls13 => "Tls13",
        System.Security.Authentication.SslProtocols.Tls12 => "Tls12",
        _ => protocol.ToString(),
    };
}
