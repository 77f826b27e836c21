using Serilog.Events;
using Serilog.Parsing;

namespace EdgeProxy.Observability;

/// <summary>
/// One request's access-log fields, read once by <see cref="AccessLogMiddleware"/>. Written either as preformatted
/// UTF-8 (<see cref="AccessLogLine"/>, EdgeProxy's own console) or as a Serilog event (<see cref="ToLogEvent"/>, any
/// other sink); both give the same line. A null string is logged as <c>-</c>.
/// </summary>
internal readonly record struct AccessLogEntry(
    DateTimeOffset Timestamp,
    string? ClientIp,
    string Method,
    string Scheme,
    string? Host,
    string Path,
    string Protocol,
    int StatusCode,
    long ResponseBytes,
    double DurationMs,
    string? RouteId,
    string? ClusterId,
    string? Destination,
    string TlsProtocol,
    string? Listener,
    TraceIds Trace,
    string? ClientCertSubject)
{
    public static readonly MessageTemplate Template = new MessageTemplateParser().Parse(
        "{ClientIp} \"{Method} {Scheme}://{Host}{Path} {Protocol}\" {StatusCode} {ResponseBytes}B {DurationMs:0.0}ms route={RouteId} cluster={ClusterId} destination={Destination} tls={TlsProtocol} listener={Listener} trace={TraceId} span={SpanId} client_cert=\"{ClientCertSubject}\"");

    // A request that waited for a destination or was tried more than once says so; others carry no extra property.
    public static readonly MessageTemplate RetriedTemplate = new MessageTemplateParser().Parse(Template.Text + " tries={Tries} held={HeldMs:0}ms");

    // A request a rate-limit policy refused names the policy; others carry no extra property.
    public static readonly MessageTemplate RateLimitedTemplate = new MessageTemplateParser().Parse(Template.Text + " rate_limit={RateLimitPolicy}");

    private static readonly ScalarValue Dash = new("-");

    /// <summary>False when the request had no Activity: trace and span are then <c>-</c>.</summary>
    public bool HasTrace => Trace.HasValue;

    /// <summary>Tries, when the request was retried or held for a destination (<see cref="Retried"/>).</summary>
    public int Tries { get; init; }

    /// <summary>How long the request was held for a destination, in ms, when <see cref="Retried"/>.</summary>
    public double HeldMs { get; init; }

    public bool Retried { get; init; }

    /// <summary>The policy that refused the request (429), else null; the line then ends in <c>rate_limit=</c>.</summary>
    public string? RateLimitPolicy { get; init; }

    /// <summary>The Serilog event, for a sink that is not EdgeProxy's console: the template and properties as always.</summary>
    public LogEvent ToLogEvent()
    {
        var (traceId, spanId) = (Trace.TraceId, Trace.SpanId);
        var properties = new Dictionary<string, LogEventPropertyValue>(Retried ? 22 : 20) // the 17 below, SourceContext, room for an enricher
        {
            ["ClientIp"] = Text(ClientIp),
            ["Method"] = new ScalarValue(Method),
            ["Scheme"] = new ScalarValue(Scheme),
            ["Host"] = Text(Host),
            ["Path"] = new ScalarValue(Path),
            ["Protocol"] = new ScalarValue(Protocol),
            ["StatusCode"] = new ScalarValue(StatusCode),
            ["ResponseBytes"] = new ScalarValue(ResponseBytes),
            ["DurationMs"] = new ScalarValue(DurationMs),
            ["RouteId"] = Text(RouteId),
            ["ClusterId"] = Text(ClusterId),
            ["Destination"] = Text(Destination),
            ["TlsProtocol"] = new ScalarValue(TlsProtocol),
            ["Listener"] = Text(Listener),
            ["TraceId"] = HasTrace ? new ScalarValue(traceId.ToHexString()) : Dash,
            ["SpanId"] = HasTrace ? new ScalarValue(spanId.ToHexString()) : Dash,
            ["ClientCertSubject"] = Text(ClientCertSubject),
        };
        var template = Retried ? RetriedTemplate : Template;
        if (Retried)
        {
            properties["Tries"] = new ScalarValue(Tries);
            properties["HeldMs"] = new ScalarValue(HeldMs);
        }

        if (RateLimitPolicy is not null)
        {
            properties["RateLimitPolicy"] = new ScalarValue(RateLimitPolicy);
            template = RateLimitedTemplate;
        }

        return LogEvent.UnstableAssembleFromParts(Timestamp, LogEventLevel.Information, null, template, properties, traceId, spanId);
    }

    private static ScalarValue Text(string? value) => value is null ? Dash : new ScalarValue(value);
}
