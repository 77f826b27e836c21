using System.Diagnostics;
using Yarp.ReverseProxy.Transforms;

namespace EdgeProxy.Observability;

/// <summary>
/// W3C trace context for the upstream when no spans are recorded (no OTLP exporter): <c>traceparent</c> names the
/// request's own Activity (the proxy's server span, whose trace continues the caller's) as the upstream's parent,
/// so the span id in the access log is the parent id the upstream logs; <c>tracestate</c> is the one that Activity
/// kept (the caller's, or none when the caller's <c>traceparent</c> was invalid). This takes the place of
/// HttpClient's propagation, which starts a second Activity per request for a client span that nothing records
/// (about 1.2 KB per request, bench/README.md). With an exporter HttpClient propagates as usual and the client
/// span is exported. Other headers (baggage) pass through as the client sent them.
/// </summary>
internal sealed class TraceContextTransform : RequestTransform
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    public static readonly TraceContextTransform Instance = new();

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        // No Activity, or one with hierarchical ids (a caller that sent only a legacy Request-Id): the client's headers pass as they came.
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            var headers = context.ProxyRequest.Headers;
            headers.Remove(TraceParent);
            headers.TryAddWithoutValidation(TraceParent, activity.Id); // W3C: 00-{trace id}-{span id}-{flags}, the Recorded flag as the caller sampled
            headers.Remove(TraceState);
            if (activity.TraceStateString is { Length: > 0 } state)
            {
                headers.TryAddWithoutValidation(TraceState, state);
            }
        }

        return default;
    }
}
