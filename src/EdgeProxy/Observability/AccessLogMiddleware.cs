using System.Diagnostics;
using EdgeProxy.ClientCertificates;
using EdgeProxy.Tls;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Serilog.Events;
using Serilog.Parsing;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Observability;

/// <summary>
/// One structured event per request on the public listeners: who, what, how it ended and where it went.
/// Header values (Authorization, Cookie, Set-Cookie ...) are never part of it.
/// </summary>
internal sealed class AccessLogMiddleware(RequestDelegate next, IOptionsMonitor<AccessLogOptions> options, Serilog.ILogger serilog, EdgeProxyMetrics metrics)
{
    public const string Category = "EdgeProxy.AccessLog";

    private static readonly MessageTemplate Template = new MessageTemplateParser().Parse(
        "{ClientIp} \"{Method} {Scheme}://{Host}{Path} {Protocol}\" {StatusCode} {ResponseBytes}B {DurationMs:0.0}ms route={RouteId} cluster={ClusterId} destination={Destination} tls={TlsProtocol} listener={Listener} trace={TraceId} span={SpanId} client_cert=\"{ClientCertSubject}\"");

    // A request that waited for a destination or was tried more than once says so; others carry no extra property.
    private static readonly MessageTemplate RetriedTemplate = new MessageTemplateParser().Parse(Template.Text + " tries={Tries} held={HeldMs:0}ms");

    // A request a rate-limit policy refused names the policy; others carry no extra property.
    private static readonly MessageTemplate RateLimitedTemplate = new MessageTemplateParser().Parse(Template.Text + " rate_limit={RateLimitPolicy}");

    private static readonly ScalarValue Dash = new("-");

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
            Measure(context, Stopwatch.GetElapsedTime(started));
        }
    }

    private async Task LogAsync(HttpContext context, AccessLogOptions settings)
    {
        var start = Stopwatch.GetTimestamp();

        // Read now: when an HTTP/2 client breaks its connection while the upstream works, Kestrel disposes the
        // SslStream before this request ends, and reading the protocol then throws (the event would be lost).
        var tls = context.Features.Get<ITlsHandshakeFeature>() is { } handshake ? new ScalarValue(TlsName(handshake.Protocol)) : Dash;
        var body = new CountingResponseBody(context.Features.Get<IHttpResponseBodyFeature>()!);
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
            Measure(context, elapsed);
            Write(context, settings, body.Bytes, elapsed, tls);
        }
    }

    private void Measure(HttpContext context, TimeSpan elapsed)
    {
        var proxy = context.Features.Get<IReverseProxyFeature>();
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

    private void Write(HttpContext context, AccessLogOptions settings, long bytes, TimeSpan elapsed, ScalarValue tls)
    {
        var request = context.Request;
        var proxy = context.Features.Get<IReverseProxyFeature>();
        var path = settings.IncludeQueryString ? request.Path.Value + request.QueryString.Value : request.Path.Value;
        var activity = Activity.Current;
        var retry = proxy is Retries.RetryState { WasRetried: true } state ? state : null;
        var properties = new Dictionary<string, LogEventPropertyValue>(retry is null ? 20 : 22) // the 17 below, SourceContext, room for an enricher
        {
            ["ClientIp"] = Text(context.Connection.RemoteIpAddress?.ToString()),
            ["Method"] = new ScalarValue(request.Method),
            ["Scheme"] = new ScalarValue(request.Scheme),
            ["Host"] = Text(request.Host.Value),
            ["Path"] = new ScalarValue(path ?? "/"),
            ["Protocol"] = new ScalarValue(request.Protocol),
            ["StatusCode"] = new ScalarValue(Status(context)),
            ["ResponseBytes"] = new ScalarValue(bytes),
            ["DurationMs"] = new ScalarValue(elapsed.TotalMilliseconds),
            ["RouteId"] = Text(proxy?.Route.Config.RouteId ?? RefusedRoute(context)),
            ["ClusterId"] = Text(proxy?.Cluster?.Config.ClusterId),
            ["Destination"] = Text(proxy?.ProxiedDestination?.Model.Config.Address),
            ["TlsProtocol"] = tls,
            ["Listener"] = Text(context.Features.Get<ListenerFeature>()?.Name),
            ["TraceId"] = activity is null ? Dash : new ScalarValue(activity.TraceId.ToHexString()),
            ["SpanId"] = activity is null ? Dash : new ScalarValue(activity.SpanId.ToHexString()),
            ["ClientCertSubject"] = Text(context.Features.Get<ClientCertificateState>()?.Certificate?.Subject),
        };
        var template = retry is null ? Template : RetriedTemplate;
        if (retry is not null)
        {
            properties["Tries"] = new ScalarValue(retry.Tries);
            properties["HeldMs"] = new ScalarValue(retry.Held.TotalMilliseconds);
        }

        if (context.Response.StatusCode == StatusCodes.Status429TooManyRequests && context.Features.Get<RateLimiting.RateLimitRefusal>() is { } refusal)
        {
            properties["RateLimitPolicy"] = new ScalarValue(refusal.Policy);
            properties["RouteId"] = Text(context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.RouteId); // refused before the proxy pipeline set its feature
            template = RateLimitedTemplate;
        }

        _log.Write(LogEvent.UnstableAssembleFromParts(
            DateTimeOffset.Now, LogEventLevel.Information, null, template, properties, activity?.TraceId ?? default, activity?.SpanId ?? default));
    }

    /// <summary>
    /// A request answered before YARP took it (401/403 at the edge, a 400 for its path) still belongs to the route
    /// routing chose: its endpoint says which. Read only when YARP's feature is absent.
    /// </summary>
    private static string? RefusedRoute(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.RouteId;

    private static ScalarValue Text(string? value) => value is null ? Dash : new ScalarValue(value);

    private static string TlsName(System.Security.Authentication.SslProtocols protocol) => protocol switch
    {
        System.Security.Authentication.SslProtocols.Tls13 => "Tls13",
        System.Security.Authentication.SslProtocols.Tls12 => "Tls12",
        _ => protocol.ToString(),
    };
}
