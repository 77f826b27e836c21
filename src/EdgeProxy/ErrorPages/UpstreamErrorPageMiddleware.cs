using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.ErrorPages;

/// <summary>
/// Runs in the YARP pipeline after forwarding: when YARP recorded an upstream failure and nothing was sent
/// yet, it writes a short text body naming the route and the kind of failure (YARP itself sends an empty
/// body), and logs the full reason.
/// </summary>
internal sealed partial class UpstreamErrorPageMiddleware(RequestDelegate next, IOptionsMonitor<ErrorPageOptions> options, ILogger<UpstreamErrorPageMiddleware> logger, Observability.EdgeProxyMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        var error = context.GetForwarderErrorFeature();
        if (error is null)
        {
            return;
        }

        var proxy = context.GetReverseProxyFeature();
        var routeId = proxy.Route.Config.RouteId;
        var destination = proxy.ProxiedDestination?.Model.Config.Address ?? "(none)";
        if (IsClientSide(error.Error))
        {
            // The client went away (closed a WebSocket, cancelled a download): routine, not an upstream fault.
            Log.ClientAborted(logger, routeId, error.Error.ToString());
            return;
        }

        Log.UpstreamError(logger, routeId, proxy.Cluster?.Config.ClusterId, destination, error.Error.ToString(), error.Exception);

        var failure = UpstreamFailure.From(error.Error, error.Exception);
        metrics.UpstreamError(routeId, failure?.Kind ?? error.Error.ToString());
        if (failure is null || context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = failure.Value.Status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var body = $"{failure.Value.Status} {ReasonPhrases.GetReasonPhrase(failure.Value.Status)}: route '{routeId}': {failure.Value.Kind}\n";
        if (options.CurrentValue.Detailed)
        {
            body += $"destination: {destination}\nerror: {error.Error}: {error.Exception?.GetBaseException().Message}\n";
        }

        // Not RequestAborted: a route Timeout cancels it, and this body is what tells the client why. A short
        // write to a client that is gone completes at once anyway.
        await context.Response.WriteAsync(body, CancellationToken.None);
    }

    private static bool IsClientSide(ForwarderError error) => error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
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
