using Microsoft.AspNetCore.Http.Features;

namespace EdgeProxy.Streaming;

/// <summary>
/// Decides from the response headers whether an exchange became a stream, and under which policy: the route's own
/// for Sse, Ndjson and WebSocket routes; for Auto routes the policy the route names for the kind of response
/// (event stream, NDJSON and its relatives, gRPC, an upgrade) unless the upstream says <c>X-Accel-Buffering: yes</c>;
/// for Buffered routes only when the upstream says <c>X-Accel-Buffering: no</c>.
/// </summary>
internal static class StreamClassifier
{
    /// <param name="context">The exchange.</param>
    /// <param name="route">The policy the route's requests start under.</param>
    /// <param name="upgradeFallback">The WebSocket policy for an upgrade on a route whose policy names none (Sse and Ndjson routes).</param>
    /// <param name="accel">The upstream's X-Accel-Buffering value (removed from the response before this).</param>
    /// <returns>The stream policy (null: an ordinary response), whether to send the headers at once, and whether it is an event stream.</returns>
    public static (StreamPolicy? Policy, bool HeadersAtOnce, bool EventStream) Classify(HttpContext context, StreamPolicy route, StreamPolicy upgradeFallback, string accel)
    {
        var response = context.Response;
        var status = response.StatusCode;
        var upgraded = status == StatusCodes.Status101SwitchingProtocols
            || (status == StatusCodes.Status200OK && context.Features.Find<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true);
        if (upgraded)
        {
            return (route.Mode == StreamMode.WebSocket ? route : route.Targets?.WebSocket ?? upgradeFallback, false, false);
        }

        var kind = ContentKind(response.ContentType);
        var hasBody = status is >= 200 and not 204 and not 304 && !HttpMethods.IsHead(context.Request.Method);
        var accelNo = string.Equals(accel, "no", StringComparison.OrdinalIgnoreCase);
        var accelYes = string.Equals(accel, "yes", StringComparison.OrdinalIgnoreCase);

        var policy = route.Mode switch
        {
            StreamMode.Sse or StreamMode.Ndjson or StreamMode.WebSocket => route,
            StreamMode.Buffered => accelNo ? Target(route, kind) : null,
            _ => accelYes ? null : kind != Kind.None || accelNo ? Target(route, kind) : null,
        };

        var headersAtOnce = policy is not null && hasBody && status < 300 && (kind is Kind.Sse or Kind.Ndjson || route.Mode is StreamMode.Sse or StreamMode.Ndjson || accelNo);
        return (policy, headersAtOnce, kind == Kind.Sse);
    }

    private static StreamPolicy? Target(StreamPolicy route, Kind kind) => kind == Kind.Sse ? route.Targets?.Sse : route.Targets?.Ndjson;

    private static Kind ContentKind(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return Kind.None;
        }

        var media = contentType.AsSpan();
        var semicolon = media.IndexOf(';');
        media = (semicolon >= 0 ? media[..semicolon] : media).Trim();
        if (media.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            return Kind.Sse;
        }

        if (media.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/jsonl", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/json-seq", StringComparison.OrdinalIgnoreCase))
        {
            return Kind.Ndjson;
        }

        return media.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) ? Kind.Grpc : Kind.None;
    }

    private enum Kind
    {
        None,
        Sse,
        Ndjson,
        Grpc,
    }
}
