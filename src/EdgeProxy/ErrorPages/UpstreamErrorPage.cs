using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using EdgeProxy.Observability;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.ErrorPages;

/// <summary>
/// What a client sees when its request's last try failed and nothing was sent yet: a short text body naming
/// the route and the kind of failure (YARP itself sends an empty body). The operator gets one warning line per
/// failed request (route, cluster, destination, kind, time since the request arrived, and how the tries ended),
/// the exception with its stack trace only at Debug. <see cref="Retries.RetryMiddleware"/> calls it once the
/// tries are over.
/// </summary>
internal sealed partial class UpstreamErrorPage(IOptionsMonitor<ErrorPageOptions> options, ILogger<UpstreamErrorPage> logger, Observability.EdgeProxyMetrics metrics, Admin.Status.UpstreamFailureLog failures)
{
    /// <summary>What the log names when no destination was tried (none available, or the request only waited).</summary>
    public const string NoDestination = "(none tried)";

    /// <summary>Counts and logs the failure, then writes the page if the response has not started.</summary>
    /// <param name="context">The request.</param>
    /// <param name="error">YARP's error of the last try, or the retry layer's stand-in for a request without one.</param>
    /// <param name="giveUp">Set when the request waited or was tried more than once.</param>
    public Task WriteAsync(HttpContext context, IForwarderErrorFeature error, GiveUp? giveUp = null)
    {
        var proxy = context.ProxyFeature();
        var routeId = proxy.Route.Config.RouteId;
        if (IsClientSide(error.Error))
        {
            // The client went away (closed a WebSocket, cancelled a download): routine, not an upstream fault.
            Log.ClientAborted(logger, routeId, error.Error.ToString());
            return Task.CompletedTask;
        }

        var destination = SafeAddress.ForLog(proxy.ProxiedDestination?.Model.Config.Address) ?? NoDestination; // never its user info or query, in the log or the detailed page
        var failure = UpstreamFailure.From(error.Error, error.Exception);
        var kind = failure?.Kind ?? UpstreamFailure.Describe(error.Error);
        LogFailure(context, kind, destination, giveUp, error.Exception);
        metrics.UpstreamError(routeId, kind);
        failures.Record(routeId, proxy.Cluster?.Config.ClusterId ?? "-", destination, kind); // for the status page; failures only
        if (failure is null || context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        var detail = options.CurrentValue.Detailed ? $"destination: {destination}\nerror: {error.Error}: {error.Exception?.GetBaseException().Message}\n" : null;
        return WriteAsync(context, failure.Value.Status, $"route '{routeId}': {failure.Value.Kind}", detail);
    }

    /// <summary>
    /// The one warning line of a failed request. A line per try would repeat itself for every request during an
    /// outage; the tries are at Debug (<see cref="Retries.RetryMiddleware"/>), and so is the stack trace.
    /// </summary>
    public void LogFailure(HttpContext context, string kind, string destination, GiveUp? giveUp, Exception? exception)
    {
        var proxy = context.ProxyFeature();
        var routeId = proxy.Route.Config.RouteId;
        var clusterId = proxy.Cluster?.Config.ClusterId ?? "-";
        var elapsedMs = ElapsedMs(context);
        if (giveUp is { } g)
        {
            Log.GaveUp(logger, routeId, kind, clusterId, destination, elapsedMs, g.Tries, (long)g.Waited.TotalMilliseconds, g.Reason);
        }
        else
        {
            Log.UpstreamError(logger, routeId, kind, clusterId, destination, elapsedMs);
        }

        if (exception is not null)
        {
            Log.UpstreamException(logger, routeId, exception);
        }
    }

    /// <summary>A page of EdgeProxy's own (e.g. too many requests waiting), in the same shape.</summary>
    public static Task WriteAsync(HttpContext context, int status, string what, string? detail = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";

        // Not RequestAborted: a route Timeout cancels it, and this body is what tells the client why. A short
        // write to a client that is gone completes at once anyway.
        return context.Response.WriteAsync($"{status} {ReasonPhrases.GetReasonPhrase(status)}: {what}\n{detail}", CancellationToken.None);
    }

    /// <summary>The client went away or broke its side of the exchange: nothing to tell it, no upstream fault.</summary>
    public static bool IsClientSide(ForwarderError error) => error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
        or ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
        or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseClient;

    /// <summary>
    /// Since the request arrived: ASP.NET Core's per-request Activity, which EdgeProxy always asks for (trace context),
    /// holds its start, so the requests that never fail pay nothing for this figure.
    /// </summary>
    private static long ElapsedMs(HttpContext context) =>
        (context.Features.Find<IHttpActivityFeature>()?.Activity ?? Activity.Current) is { } activity && activity.StartTimeUtc != default
            ? (long)(DateTime.UtcNow - activity.StartTimeUtc).TotalMilliseconds
            : -1;

    private static partial class Log
    {
        [LoggerMessage(EventIds.ClientAborted, LogLevel.Debug, "Route {RouteId}: the client ended the exchange ({ForwarderError})")]
        public static partial void ClientAborted(ILogger logger, string routeId, string forwarderError);

        [LoggerMessage(EventIds.UpstreamError, LogLevel.Warning, "Upstream failure on route {RouteId}: {Failure} (cluster {ClusterId}, destination {Destination}, {ElapsedMs} ms)")]
        public static partial void UpstreamError(ILogger logger, string routeId, string failure, string clusterId, string destination, long elapsedMs);

        [LoggerMessage(EventIds.UpstreamGaveUp, LogLevel.Warning,
            "Upstream failure on route {RouteId}: {Failure} (cluster {ClusterId}, destination {Destination}, {ElapsedMs} ms); gave up after {Tries} tries and {WaitMs} ms waiting ({Reason})")]
        public static partial void GaveUp(ILogger logger, string routeId, string failure, string clusterId, string destination, long elapsedMs, int tries, long waitMs, string reason);

        [LoggerMessage(EventIds.UpstreamErrorDetail, LogLevel.Debug, "Upstream failure on route {RouteId}: the exception behind it")]
        public static partial void UpstreamException(ILogger logger, string routeId, Exception exception);
    }
}
