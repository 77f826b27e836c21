using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.ErrorPages;

/// <summary>
/// What a client sees when its request's last try failed and nothing was sent yet: a short text body naming
/// the route and the kind of failure (YARP itself sends an empty body). The full reason goes to the log.
/// <see cref="Retries.RetryMiddleware"/> calls it once the tries are over.
/// </summary>
internal sealed partial class UpstreamErrorPage(IOptionsMonitor<ErrorPageOptions> options, ILogger<UpstreamErrorPage> logger, Observability.EdgeProxyMetrics metrics)
{
    /// <summary>Counts (and, unless <paramref name="logged"/>, logs) the failure, then writes the page if the response has not started.</summary>
    public Task WriteAsync(HttpContext context, IForwarderErrorFeature error, bool logged = false)
    {
        var proxy = context.GetReverseProxyFeature();
        var routeId = proxy.Route.Config.RouteId;
        if (IsClientSide(error.Error))
        {
            // The client went away (closed a WebSocket, cancelled a download): routine, not an upstream fault.
            Log.ClientAborted(logger, routeId, error.Error.ToString());
            return Task.CompletedTask;
        }

        var destination = proxy.ProxiedDestination?.Model.Config.Address ?? "(none)";
        if (!logged)
        {
            Log.UpstreamError(logger, routeId, proxy.Cluster?.Config.ClusterId, destination, error.Error.ToString(), error.Exception);
        }

        var failure = UpstreamFailure.From(error.Error, error.Exception);
        metrics.UpstreamError(routeId, failure?.Kind ?? error.Error.ToString());
        if (failure is null || context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        var detail = options.CurrentValue.Detailed ? $"destination: {destination}\nerror: {error.Error}: {error.Exception?.GetBaseException().Message}\n" : null;
        return WriteAsync(context, failure.Value.Status, $"route '{routeId}': {failure.Value.Kind}", detail);
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

    private static partial class Log
    {
        [LoggerMessage(EventIds.ClientAborted, LogLevel.Debug, "Route {RouteId}: the client ended the exchange ({ForwarderError})")]
        public static partial void ClientAborted(ILogger logger, string routeId, string forwarderError);

        [LoggerMessage(EventIds.UpstreamError, LogLevel.Warning, "Upstream failure on route {RouteId} (cluster {ClusterId}, destination {Destination}): {ForwarderError}")]
        public static partial void UpstreamError(ILogger logger, string routeId, string? clusterId, string destination, string forwarderError, Exception? exception);
    }
}
