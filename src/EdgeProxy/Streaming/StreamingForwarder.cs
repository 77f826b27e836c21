using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Streaming;

/// <summary>
/// Wraps YARP's forwarder so every proxied request runs under its route's stream policy: YARP's per-cluster
/// ActivityTimeout becomes a backstop and the session's <see cref="ExchangeLimits"/> enforce the route's limits.
/// </summary>
internal sealed partial class StreamingForwarder(IHttpForwarder inner, StreamingPolicies policies, ExchangeClock clock, DeadlineSweep sweep, IHostApplicationLifetime lifetime, ILogger<StreamingForwarder> logger, Observability.EdgeProxyMetrics metrics) : IHttpForwarder
{
    public ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer) =>
        SendAsync(context, destinationPrefix, httpClient, requestConfig, transformer, CancellationToken.None);

    public ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer, CancellationToken cancellationToken)
    {
        var route = context.Features.Find<IReverseProxyFeature>()?.Route.Config;
        if (route is null)
        {
            // Direct forwarding outside the YARP pipeline has no route and so no policy.
            return inner.SendAsync(context, destinationPrefix, httpClient, requestConfig, transformer, cancellationToken);
        }

        var settings = policies.Current;
        var session = new StreamSession(context, settings, settings.ForRoute(route), transformer, requestConfig.ActivityTimeout, route.RouteId, clock, sweep, logger, metrics);
        ValueTask<ForwarderError> sending;
        try
        {
            if (!session.Start(cancellationToken, lifetime.ApplicationStopping))
            {
                return RejectAsync(session);
            }

            sending = inner.SendAsync(context, destinationPrefix, httpClient, settings.Backstop(requestConfig), session, session.Token);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        // The await lives in a method of its own with only what is needed after YARP returns: a smaller state
        // machine than one holding all six forwarder arguments (it is allocated for every proxied request;
        // PoolingAsyncValueTaskMethodBuilder saved 17 B of its ~190 under the bench's 32 connections: not kept).
        return FinishAsync(sending, session);
    }

    private async ValueTask<ForwarderError> FinishAsync(ValueTask<ForwarderError> sending, StreamSession session)
    {
        using (session)
        {
            var error = session.Complete(await sending);
            var context = session.Context;
            if (session.WasOpened)
            {
                var reason = EndReason(session.End, error, context.RequestAborted.IsCancellationRequested, lifetime.ApplicationStopping.IsCancellationRequested);
                metrics.StreamClosed(session.RouteId, session.Policy.Name, reason, session.Elapsed, session.TimeToFirstByte);
                Log.StreamClosed(logger, session.RouteId, session.Policy.Name, reason, session.Elapsed.TotalSeconds, session.BytesFromClient, session.BytesToClient);
            }

            if (error == ForwarderError.RequestBodyClient && context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
            {
                await RejectBodyAsync(context, session.RouteId, session.Policy.MaxRequestBodySize ?? 0);
            }
            else if (error != ForwarderError.None && !context.Response.HasStarted)
            {
                session.Restore(); // the exchange may be tried again
            }

            return error;
        }
    }

    private async ValueTask<ForwarderError> RejectAsync(StreamSession session)
    {
        using (session)
        {
            await RejectBodyAsync(session.Context, session.RouteId, session.Policy.MaxRequestBodySize!.Value);
            return ForwarderError.None;
        }
    }

    /// <summary>Why a stream ended, in the words operators search for.</summary>
    internal static string EndReason(StreamEnd end, ForwarderError error, bool clientAborted, bool stopping) => end switch
    {
        StreamEnd.IdleTimeout => "idle timeout",
        StreamEnd.MaxDuration => "max duration",
        StreamEnd.RequestTimeout => "request timeout",
        StreamEnd.Shutdown => "shutdown",
        _ when stopping && clientAborted => "shutdown", // the host cut it when ShutdownTimeout ran out
        _ when clientAborted || error is ForwarderError.RequestCanceled or ForwarderError.ResponseBodyClient or ForwarderError.ResponseBodyCanceled
            or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseClient or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled => "client closed",
        _ when error == ForwarderError.None => "upstream closed",
        _ => "upstream error: " + error,
    };

    private async Task RejectBodyAsync(HttpContext context, string routeId, long limit)
    {
        Log.BodyTooLarge(logger, routeId, limit, context.Request.ContentLength);
        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            context.Response.Headers.Connection = "close"; // the rest of the body is never read
        }
        await context.Response.WriteAsync($"413 Payload Too Large: route '{routeId}' accepts request bodies up to {limit} bytes\n", context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.StreamClosed, LogLevel.Information,
            "Route {RouteId}: stream closed ({Policy} policy): {Reason} after {DurationSeconds:0.0} s, {BytesFromClient} bytes from the client, {BytesToClient} bytes to the client")]
        public static partial void StreamClosed(ILogger logger, string routeId, string policy, string reason, double durationSeconds, long bytesFromClient, long bytesToClient);

        [LoggerMessage(EventIds.RequestBodyTooLarge, LogLevel.Information, "Route {RouteId}: request body over {Limit} bytes (Content-Length {ContentLength}) refused with 413")]
        public static partial void BodyTooLarge(ILogger logger, string routeId, long limit, long? contentLength);
    }
}
