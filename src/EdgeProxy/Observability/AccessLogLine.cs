using System.Buffers;
using System.Globalization;
using System.Text;
using Serilog.Formatting.Json;
using Serilog.Events;

namespace EdgeProxy.Observability;

/// <summary>
/// A request's access-log line as UTF-8, written by the console's writer into its batch: byte for byte what
/// Serilog writes for <see cref="AccessLogEntry.ToLogEvent"/> through <see cref="LogValueEscaper"/> and the console
/// template (<see cref="SerilogSetup.ConsoleTemplate"/>) or <c>CompactJsonFormatter</c>, without the event, its
/// property dictionary or the template rendering. Values are escaped by <see cref="LogValueEscaper"/> itself; a value
/// that needs none (nearly all) is only scanned.
/// </summary>
internal static class AccessLogLine
{
    private static readonly byte[] TextPrefix = Encoding.UTF8.GetBytes("] " + AccessLogMiddleware.Category + ": ");
    private static readonly byte[] JsonSuffix = Encoding.UTF8.GetBytes(",\"SourceContext\":\"" + AccessLogMiddleware.Category + "\"}" + Environment.NewLine);
    private static readonly byte[] NewLine = Encoding.UTF8.GetBytes(Environment.NewLine);
    private static readonly byte[] JsonTemplate = QuotedJson(AccessLogEntry.Template);
    private static readonly byte[] JsonRetriedTemplate = QuotedJson(AccessLogEntry.RetriedTemplate);
    private static readonly byte[] JsonRateLimitedTemplate = QuotedJson(AccessLogEntry.RateLimitedTemplate);

    /// <summary>Appends the line to <paramref name="output"/>; <paramref name="repeated"/> keeps values for the next line (one thread).</summary>
    public static void Write(in AccessLogEntry entry, ConsoleLogFormat format, ArrayBufferWriter<byte> output, RepeatedValues? repeated = null)
    {
        var line = new Utf8Buffer(output, repeated);
        if (format == ConsoleLogFormat.CompactJson)
        {
            Json(ref line, entry);
        }
        else
        {
            Text(ref line, entry);
        }

        line.Commit();
    }

    private static void Text(ref Utf8Buffer line, in AccessLogEntry e)
    {
        line.Literal("["u8);
        line.TimeOfDay(e.Timestamp);
        line.Literal(" INF"u8);
        line.Literal(TextPrefix);
        line.Value(e.ClientIp, json: false, RepeatedValues.ClientIp);
        line.Literal(" \""u8);
        line.Value(e.Method, json: false, RepeatedValues.Method);
        line.Literal(" "u8);
        line.Value(e.Scheme, json: false, RepeatedValues.Scheme);
        line.Literal("://"u8);
        line.Value(e.Host, json: false, RepeatedValues.Host);
        line.Value(e.Path, json: false, RepeatedValues.None);
        line.Literal(" "u8);
        line.Value(e.Protocol, json: false, RepeatedValues.Protocol);
        line.Literal("\" "u8);
        line.Formatted(e.StatusCode, null);
        line.Literal(" "u8);
        line.Formatted(e.ResponseBytes, null);
        line.Literal("B "u8);
        line.OneDecimal(e.DurationMs);
        line.Literal("ms route="u8);
        line.Value(e.RouteId, json: false, RepeatedValues.RouteId);
        line.Literal(" cluster="u8);
        line.Value(e.ClusterId, json: false, RepeatedValues.ClusterId);
        line.Literal(" destination="u8);
        line.Value(e.Destination, json: false, RepeatedValues.Destination);
        line.Literal(" tls="u8);
        line.Value(e.TlsProtocol, json: false, RepeatedValues.TlsProtocol);
        line.Literal(" listener="u8);
        line.Value(e.Listener, json: false, RepeatedValues.Listener);
        line.Literal(" trace="u8);
        line.Trace(e, span: false);
        line.Literal(" span="u8);
        line.Trace(e, span: true);
        line.Literal(" client_cert=\""u8);
        line.Value(e.ClientCertSubject, json: false, RepeatedValues.ClientCertSubject);
        line.Literal("\""u8);
        if (e.RateLimitPolicy is not null)
        {
            line.Literal(" rate_limit="u8);
            line.Value(e.RateLimitPolicy, json: false, RepeatedValues.RateLimitPolicy);
        }
        else if (e.Retried)
        {
            line.Literal(" tries="u8);
            line.Formatted(e.Tries, null);
            line.Literal(" held="u8);
            line.Formatted(e.HeldMs, "0");
            line.Literal("ms"u8);
        }

        line.Literal(NewLine);
    }

    /// <summary>CompactJsonFormatter's layout: @t, @mt, @r (the renderings of formatted tokens), @tr, @sp, then the properties in their order.</summary>
    private static void Json(ref Utf8Buffer line, in AccessLogEntry e)
    {
        line.Literal("{\"@t\":\""u8);
        line.Formatted(e.Timestamp.UtcDateTime, "O");
        line.Literal("\",\"@mt\":"u8);
        line.Literal(e.RateLimitPolicy is not null ? JsonRateLimitedTemplate : e.Retried ? JsonRetriedTemplate : JsonTemplate);
        line.Literal(",\"@r\":[\""u8);
        line.OneDecimal(e.DurationMs);
        if (e.Retried && e.RateLimitPolicy is null)
        {
            line.Literal("\",\""u8);
            line.Formatted(e.HeldMs, "0");
        }

        line.Literal("\"]"u8);
        if (e.HasTrace)
        {
            line.Literal(",\"@tr\":\""u8);
            line.Trace(e, span: false);
            line.Literal("\",\"@sp\":\""u8);
            line.Trace(e, span: true);
            line.Literal("\""u8);
        }

        line.Literal(",\"ClientIp\":"u8);
        line.Value(e.ClientIp, json: true, RepeatedValues.ClientIp);
        line.Literal(",\"Method\":"u8);
        line.Value(e.Method, json: true, RepeatedValues.Method);
        line.Literal(",\"Scheme\":"u8);
        line.Value(e.Scheme, json: true, RepeatedValues.Scheme);
        line.Literal(",\"Host\":"u8);
        line.Value(e.Host, json: true, RepeatedValues.Host);
        line.Literal(",\"Path\":"u8);
        line.Value(e.Path, json: true, RepeatedValues.None);
        line.Literal(",\"Protocol\":"u8);
        line.Value(e.Protocol, json: true, RepeatedValues.Protocol);
        line.Literal(",\"StatusCode\":"u8);
        line.Formatted(e.StatusCode, null);
        line.Literal(",\"ResponseBytes\":"u8);
        line.Formatted(e.ResponseBytes, null);
        line.Literal(",\"DurationMs\":"u8);
        line.Shortest(e.DurationMs);
        line.Literal(",\"RouteId\":"u8);
        line.Value(e.RouteId, json: true, RepeatedValues.RouteId);
        line.Literal(",\"ClusterId\":"u8);
        line.Value(e.ClusterId, json: true, RepeatedValues.ClusterId);
        line.Literal(",\"Destination\":"u8);
        line.Value(e.Destination, json: true, RepeatedValues.Destination);
        line.Literal(",\"TlsProtocol\":"u8);
        line.Value(e.TlsProtocol, json: true, RepeatedValues.TlsProtocol);
        line.Literal(",\"Listener\":"u8);
        line.Value(e.Listener, json: true, RepeatedValues.Listener);
        line.Literal(",\"TraceId\":\""u8);
        line.Trace(e, span: false);
        line.Literal("\",\"SpanId\":\""u8);
        line.Trace(e, span: true);
        line.Literal("\",\"ClientCertSubject\":"u8);
        line.Value(e.ClientCertSubject, json: true, RepeatedValues.ClientCertSubject);
        if (e.Retried)
        {
            line.Literal(",\"Tries\":"u8);
            line.Formatted(e.Tries, null);
            line.Literal(",\"HeldMs\":"u8);
            line.Shortest(e.HeldMs);
        }

        if (e.RateLimitPolicy is not null)
        {
            line.Literal(",\"RateLimitPolicy\":"u8);
            line.Value(e.RateLimitPolicy, json: true, RepeatedValues.RateLimitPolicy);
        }

        line.Literal(JsonSuffix);
    }

    private static byte[] QuotedJson(MessageTemplate template)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        JsonValueFormatter.WriteQuotedJsonString(template.Text, text);
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
