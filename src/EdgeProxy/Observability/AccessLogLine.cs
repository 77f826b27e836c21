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

    /// <summary>Appends the line to <paramref name="output"/>.</summary>
    public static void Write(in AccessLogEntry entry, ConsoleLogFormat format, ArrayBufferWriter<byte> output)
    {
        var line = new Utf8Buffer(output);
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
        line.Formatted(e.Timestamp, "HH:mm:ss");
        line.Literal(" INF"u8);
        line.Literal(TextPrefix);
        line.Value(e.ClientIp, json: false);
        line.Literal(" \""u8);
        line.Value(e.Method, json: false);
        line.Literal(" "u8);
        line.Value(e.Scheme, json: false);
        line.Literal("://"u8);
        line.Value(e.Host, json: false);
        line.Value(e.Path, json: false);
        line.Literal(" "u8);
        line.Value(e.Protocol, json: false);
        line.Literal("\" "u8);
        line.Formatted(e.StatusCode, null);
        line.Literal(" "u8);
        line.Formatted(e.ResponseBytes, null);
        line.Literal("B "u8);
        line.OneDecimal(e.DurationMs);
        line.Literal("ms route="u8);
        line.Value(e.RouteId, json: false);
        line.Literal(" cluster="u8);
        line.Value(e.ClusterId, json: false);
        line.Literal(" destination="u8);
        line.Value(e.Destination, json: false);
        line.Literal(" tls="u8);
        line.Value(e.TlsProtocol, json: false);
        line.Literal(" listener="u8);
        line.Value(e.Listener, json: false);
        line.Literal(" trace="u8);
        line.Trace(e, span: false);
        line.Literal(" span="u8);
        line.Trace(e, span: true);
        line.Literal(" client_cert=\""u8);
        line.Value(e.ClientCertSubject, json: false);
        line.Literal("\""u8);
        if (e.RateLimitPolicy is not null)
        {
            line.Literal(" rate_limit="u8);
            line.Value(e.RateLimitPolicy, json: false);
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
        line.Value(e.ClientIp, json: true);
        line.Literal(",\"Method\":"u8);
        line.Value(e.Method, json: true);
        line.Literal(",\"Scheme\":"u8);
        line.Value(e.Scheme, json: true);
        line.Literal(",\"Host\":"u8);
        line.Value(e.Host, json: true);
        line.Literal(",\"Path\":"u8);
        line.Value(e.Path, json: true);
        line.Literal(",\"Protocol\":"u8);
        line.Value(e.Protocol, json: true);
        line.Literal(",\"StatusCode\":"u8);
        line.Formatted(e.StatusCode, null);
        line.Literal(",\"ResponseBytes\":"u8);
        line.Formatted(e.ResponseBytes, null);
        line.Literal(",\"DurationMs\":"u8);
        line.Formatted(e.DurationMs, "R");
        line.Literal(",\"RouteId\":"u8);
        line.Value(e.RouteId, json: true);
        line.Literal(",\"ClusterId\":"u8);
        line.Value(e.ClusterId, json: true);
        line.Literal(",\"Destination\":"u8);
        line.Value(e.Destination, json: true);
        line.Literal(",\"TlsProtocol\":"u8);
        line.Value(e.TlsProtocol, json: true);
        line.Literal(",\"Listener\":"u8);
        line.Value(e.Listener, json: true);
        line.Literal(",\"TraceId\":\""u8);
        line.Trace(e, span: false);
        line.Literal("\",\"SpanId\":\""u8);
        line.Trace(e, span: true);
        line.Literal("\",\"ClientCertSubject\":"u8);
        line.Value(e.ClientCertSubject, json: true);
        if (e.Retried)
        {
            line.Literal(",\"Tries\":"u8);
            line.Formatted(e.Tries, null);
            line.Literal(",\"HeldMs\":"u8);
            line.Formatted(e.HeldMs, "R");
        }

        if (e.RateLimitPolicy is not null)
        {
            line.Literal(",\"RateLimitPolicy\":"u8);
            line.Value(e.RateLimitPolicy, json: true);
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
