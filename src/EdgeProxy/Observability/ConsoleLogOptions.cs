namespace EdgeProxy.Observability;

/// <summary>
/// <c>EdgeProxy:Console</c>: EdgeProxy's own console output, used when the <c>Serilog</c> section has no
/// <c>WriteTo</c>. Read at start.
/// </summary>
public sealed class ConsoleLogOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:Console</c>.</summary>
    public const string SectionName = "EdgeProxy:Console";

    /// <summary>
    /// Default <c>Text</c>: human-readable lines. <c>CompactJson</c>: one JSON object per line with
    /// Serilog.Formatting.Compact's field names (<c>@t</c>, <c>@mt</c>, <c>@r</c>, <c>@tr</c>, <c>@sp</c>, the
    /// properties, <c>SourceContext</c>), for log shippers. Either way client-supplied control characters are
    /// written escaped, and the access log is written without a per-request Serilog event unless the section has an
    /// <c>AuditTo</c>, <c>Enrich</c>, <c>Filter</c> or <c>Properties</c> entry (those see every event). No security
    /// consequence: both formats escape the same characters.
    /// </summary>
    public ConsoleLogFormat Format { get; set; } = ConsoleLogFormat.Text;
}

/// <summary>The format of EdgeProxy's own console (<c>EdgeProxy:Console:Format</c>).</summary>
public enum ConsoleLogFormat
{
    /// <summary><c>[HH:mm:ss INF] Category: message</c>.</summary>
    Text,

    /// <summary>Serilog's compact JSON (CLEF), one object per line.</summary>
    CompactJson,
}
