using System.Diagnostics;
using EdgeProxy.ErrorPages;
using EdgeProxy.Observability;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Retries;

/// <summary>
/// Runs a proxied request's tries in YARP's pipeline, before session affinity and load balancing, and answers
/// for the last one. A try nobody accepted (refused, host not found, connect timeout, no destination
/// available) moves on to another destination, or waits until a destination comes back or TryDuration ends:
/// nothing was sent, so this holds for every method. A try that failed after it was sent is repeated only for
/// an idempotent method whose body, if any, is still at hand, and never once the response has begun. When the
/// tries are over, the clear 502/503/504 page (<see cref="UpstreamErrorPage"/>).
/// A request whose first try succeeds pays a policy lookup, a flag read, its method's idempotency check (and
/// for an idempotent one whether it can have a body) and the error-feature read the error page always made.
/// </summary>
internal sealed partial class RetryMiddleware(RequestDelegate next, RetryPolicies policies, ClusterWatches watches, UpstreamErrorPage errorPage, EdgeProxyMetrics metrics, ILogger<RetryMiddleware> logger)
{
    private enum Outcome
    {
        Answered,
        Failed,
        TryDurationOver,
        HeldLimit,
        RouteTimeout,
        ClientGone,
    }

    /// <summary>RFC 9110 section 9.2.2.</summary>
    public static bool IsIdempotent(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsPut(method)
        || HttpMethods.IsDelete(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    public Task InvokeAsync(HttpContext context)
    {
        var proxy = context.ProxyFeature();
        var policy = policies.For(proxy);
        if (policy.Off || proxy.AllDestinations.Count == 0 || (!policy.Holds && proxy.AvailableDestinations.Count == 0))
        {
            return OnceAsync(context);
        }

        if (policy.Holds && (proxy.AvailableDestinations.Count == 0 || watches.HasDown(proxy.Route.Cluster)))
        {
            return TriesAsync(context, Begin(context, proxy, policy, ReplayableRequestBody.TryWrap(context, policy)), lastError: null);
        }

        return FirstTryAsync(context, proxy, policy);
    }

    private async Task OnceAsync(HttpContext context)
    {
        await next(context);
        if (context.Features.Find<IForwarderErrorFeature>() is { } error)
        {
            await errorPage.WriteAsync(context, error);
        }
    }

    private async Task FirstTryAsync(HttpContext context, IReverseProxyFeature proxy, RetryPolicy policy)
    {
        var body = ReplayableRequestBody.TryWrap(context, policy);
        await next(context);
        if (context.Features.Find<IForwarderErrorFeature>() is not { } error)
        {
            return;
        }

        var kind = FailureKinds.Classify(error.Error, error.Exception);
        if (kind == FailureKind.Final || (kind == FailureKind.Sent && !CanResend(context, policy, body, resent: 0)))
        {
            await errorPage.WriteAsync(context, error);
            return;
        }

        await TriesAsync(context, Begin(context, proxy, policy, body, tries: 1), error);
    }

    private RetryState Begin(HttpContext context, IReverseProxyFeature proxy, RetryPolicy policy, ReplayableRequestBody? body, int tries = 0)
    {
        var state = new RetryState(proxy, watches.For(proxy.Route.Cluster!), policy, body) { Tries = tries };
        context.Features.Set<IReverseProxyFeature>(state); // the access log reads the tries from here
        return state;
    }

    private async Task TriesAsync(HttpContext context, RetryState state, IForwarderErrorFeature? lastError)
    {
        var outcome = Outcome.Failed;
        try
        {
            outcome = await RunTriesAsync(context, state, lastError);
        }
        finally
        {
            End(context, state, outcome);
        }

        lastError = context.Features.Find<IForwarderErrorFeature>();
        switch (outcome)
        {
            case Outcome.Failed:
                lastError ??= Refusal(context, state);
                var givenUp = state.WasRetried && !UpstreamErrorPage.IsClientSide(lastError.Error) && !context.RequestAborted.IsCancellationRequested;
                await errorPage.WriteAsync(context, lastError, givenUp ? GaveUp(state, "failed") : null);
                break;
            case Outcome.TryDurationOver:
                lastError ??= Refusal(context, state);
                await errorPage.WriteAsync(context, lastError, GaveUp(state, "try_duration"));
                break;
            case Outcome.RouteTimeout:
                lastError = Fail(context, StatusCodes.Status504GatewayTimeout, ForwarderError.RequestTimedOut,
                    new TimeoutException($"the route Timeout ended the wait for a destination of cluster '{state.Cluster.Config.ClusterId}'"));
                await errorPage.WriteAsync(context, lastError, GaveUp(state, "route_timeout"));
                break;
            case Outcome.HeldLimit:
                var what = $"its upstream is not answering and {state.Policy.MaxHeld} requests already wait for it";
                errorPage.LogFailure(context, what, state.ProxiedDestination?.Model.Config.Address ?? UpstreamErrorPage.NoDestination, GaveUp(state, "held_limit"), lastError?.Exception);
                context.Response.Headers.RetryAfter = state.Policy.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await UpstreamErrorPage.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, $"route '{state.Route.Config.RouteId}': {what}");
                break;
        }
    }

    private async Task<Outcome> RunTriesAsync(HttpContext context, RetryState state, IForwarderErrorFeature? lastError)
    {
        var policy = state.Policy;
        var watch = state.Watch;
        while (true)
        {
            var mustWait = false;
            var sameAgain = true; // the destination that just failed, when no other is left
            if (lastError is not null)
            {
                var kind = FailureKinds.Classify(lastError.Error, lastError.Exception);
                var destination = state.ProxiedDestination;
                Log.TryFailed(logger, state.Route.Config.RouteId, state.Cluster.Config.ClusterId, state.Tries, destination?.Model.Config.Address ?? "(none)", lastError.Error.ToString(), kind.ToString());
                if (kind == FailureKind.Unsent && destination is not null && lastError.Error != ForwarderError.NoAvailableDestinations)
                {
                    watch.MarkDown(destination, lastError, policy.TryInterval);
                    if (!policy.Holds)
                    {
                        state.Exclude(destination); // not waiting: another destination now, or the failure as it is
                        sameAgain = false;
                    }
                }
                else if (kind == FailureKind.Unsent)
                {
                    mustWait = true;
                }
                else if (kind == FailureKind.Sent && CanResend(context, policy, state.Body, state.Resent))
                {
                    state.Resent++;
                    state.Exclude(destination);
                }
                else
                {
                    return Outcome.Failed;
                }
            }

            var changed = watch.Changed; // before looking: a change after the look completes it
            var candidates = mustWait ? [] : watch.Candidates(state.Excluded, skipDown: policy.Holds, sameAgain);
            if (candidates.Count == 0 && watch.LastRefusal is { } refusal)
            {
                state.WaitsFor = refusal; // what it is told if its wait ends as a probe finds a destination back
            }

            if (state.Excluded is { Count: > 0 } excluded && candidates.Count > 0 && candidates.All(excluded.Contains)
                && await PauseAsync(policy.TryInterval, context.RequestAborted) is false)
            {
                return Outcome.ClientGone;
            }

            if (candidates.Count == 0)
            {
                var waited = await WaitAsync(context, state, changed);
                if (waited != Outcome.Answered)
                {
                    return waited;
                }

                lastError = null;
                continue;
            }

            Prepare(context, state, candidates);
            state.Tries++;
            await next(context);
            lastError = context.Features.Find<IForwarderErrorFeature>();
            if (lastError is null)
            {
                return Outcome.Answered;
            }
        }
    }

    /// <summary>Waits for the cluster to change; <see cref="Outcome.Answered"/> means look again.</summary>
    private async Task<Outcome> WaitAsync(HttpContext context, RetryState state, Task changed)
    {
        var policy = state.Policy;
        if (!policy.Holds)
        {
            return Outcome.Failed;
        }

        if (!state.IsHeld)
        {
            if (!state.Watch.TryHold(policy.MaxHeld, policy.TryInterval))
            {
                return Outcome.HeldLimit;
            }

            state.StartHold(Stopwatch.GetTimestamp());
            metrics.UpstreamHeld(state.Cluster.Config.ClusterId);
        }

        var waited = Stopwatch.GetElapsedTime(state.HeldSince);
        var remaining = policy.TryDuration - waited;
        if (remaining <= TimeSpan.Zero)
        {
            state.Held = waited; // the reading that ended the wait: the one the previous wait recorded can be a hair short of TryDuration
            return Outcome.TryDurationOver;
        }

        try
        {
            await changed.WaitAsync(remaining, context.RequestAborted);
            return Outcome.Answered;
        }
        catch (TimeoutException)
        {
            return Outcome.Answered; // look once more: a timer may fire a little early, and the end is measured, not assumed
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // A route Timeout cancels RequestAborted too: then it is the upstream that took too long, not the client.
            return context.Features.Find<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true ? Outcome.RouteTimeout : Outcome.ClientGone;
        }
        finally
        {
            state.Held = Stopwatch.GetElapsedTime(state.HeldSince); // the wait so far; the tries after it are not waiting
        }
    }

    /// <summary>
    /// Before sending again to the destination that just failed: an app going down closes its kept-alive
    /// connections all at once, and the next pooled one may be the next to go. False when the client left.
    /// </summary>
    private static async Task<bool> PauseAsync(TimeSpan pause, CancellationToken aborted)
    {
        try
        {
            await Task.Delay(pause, aborted);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Undoes what the failed try left: the streaming layer already put its wrappers back.</summary>
    private static void Prepare(HttpContext context, RetryState state, IReadOnlyList<DestinationState> candidates)
    {
        context.Features.Set<IForwarderErrorFeature>(null);
        if (context.Response.StatusCode != StatusCodes.Status200OK)
        {
            context.Response.StatusCode = StatusCodes.Status200OK; // YARP refuses to forward once a status is set
            context.Features.Find<IHttpResponseFeature>()!.ReasonPhrase = null;
        }

        if (state.Body is { CanReplay: true } body)
        {
            body.Rewind();
            context.Request.Body = body;
        }

        state.AvailableDestinations = candidates;
        state.ProxiedDestination = null;
    }

    private static bool CanResend(HttpContext context, RetryPolicy policy, ReplayableRequestBody? body, int resent) =>
        resent < policy.MaxRetries && !context.Response.HasStarted && IsIdempotent(context.Request.Method)
        && (body is null ? context.Features.Find<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true : body.CanReplay);

    private void End(HttpContext context, RetryState state, Outcome outcome)
    {
        var cluster = state.Cluster.Config.ClusterId;
        if (state.IsHeld)
        {
            state.Watch.Release();
            metrics.UpstreamWaitEnded(cluster, state.Held, outcome switch
            {
                Outcome.Answered => "answered",
                Outcome.ClientGone => "client_closed",
                _ when context.RequestAborted.IsCancellationRequested && outcome != Outcome.RouteTimeout => "client_closed",
                _ => "given_up",
            });
        }

        if (state.Tries > 1)
        {
            metrics.UpstreamRetried(cluster);
        }
    }

    private GiveUp GaveUp(RetryState state, string reason)
    {
        metrics.UpstreamGivenUp(state.Cluster.Config.ClusterId, reason);
        return new GiveUp(reason, state.Tries, state.Held);
    }

    /// <summary>
    /// For a request that never tried itself: the refusal that put its destinations down (or, when a probe found one
    /// back just as its wait ended, the one it waited on), else none available.
    /// </summary>
    private static RetryErrorFeature Refusal(HttpContext context, RetryState state) => (state.Watch.LastRefusal ?? state.WaitsFor) is { } refusal
        ? Fail(context, StatusCodes.Status502BadGateway, refusal.Error, refusal.Exception)
        : Fail(context, StatusCodes.Status503ServiceUnavailable, ForwarderError.NoAvailableDestinations, null);

    private static RetryErrorFeature Fail(HttpContext context, int status, ForwarderError error, Exception? exception)
    {
        var feature = new RetryErrorFeature(error, exception);
        context.Response.StatusCode = status;
        context.Features.Set<IForwarderErrorFeature>(feature);
        return feature;
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.UpstreamTryFailed, LogLevel.Debug, "Route {RouteId}: try {Attempt} to cluster {ClusterId} ({Destination}) failed: {ForwarderError} ({Kind})")]
        public static partial void TryFailed(ILogger logger, string routeId, string clusterId, int attempt, string destination, string forwarderError, string kind);
    }
}
