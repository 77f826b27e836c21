using System.Buffers;
using System.Globalization;
using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace EdgeProxy.Observability;

/// <summary>
/// The last enricher of every event, whatever sink and format follow (console text, compact JSON, files, OTLP):
/// a string property value holding a character that could start a new line or hide text — C0 and C1 controls
/// (CR, LF, NUL, ESC, NEL), DEL, U+2028/U+2029, bidirectional overrides — is rewritten with that character as
/// <c>\xHH</c> or <c>\uHHHH</c>, and its backslashes doubled so an escape cannot be faked. A double quote is
/// written <c>\x22</c> as nginx does: the text access log quotes client values, and a client must not close a field. Values come from clients
/// (path, host, certificate subject, token claims), and a decoded <c>%0D%0A</c> in a path must not write a second,
/// forged access-log line. Values without such a character — nearly all — are scanned once and left as they are.
/// </summary>
internal sealed class LogValueEscaper : ILogEventEnricher
{
    public static readonly LogValueEscaper Instance = new();

    private static readonly SearchValues<char> Unsafe = SearchValues.Create(UnsafeCharacters());

    private static readonly SearchValues<char> PlainAscii = SearchValues.Create(string.Concat(Enumerable.Range(' ', '~' - ' ' + 1).Select(c => (char)c).Where(c => c is not ('\\' or '"'))));

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        List<LogEventProperty>? rewritten = null;
        // Serilog keeps a Dictionary behind Properties: enumerating it as one allocates no enumerator.
        var properties = logEvent.Properties as Dictionary<string, LogEventPropertyValue> ?? new(logEvent.Properties);
        foreach (var (name, value) in properties)
        {
            if (Escape(value) is { } escaped)
            {
                (rewritten ??= []).Add(new LogEventProperty(name, escaped));
            }
        }

        if (rewritten is null)
        {
            return;
        }

        foreach (var property in rewritten)
        {
            logEvent.AddOrUpdateProperty(property);
        }
    }

    /// <summary>The escaped value, or null when nothing in it needs escaping.</summary>
    internal static LogEventPropertyValue? Escape(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: string text } => NeedsEscaping(text) ? new ScalarValue(Escape(text)) : null,
        ScalarValue => null,
        SequenceValue sequence => EscapeSequence(sequence),
        StructureValue structure => EscapeStructure(structure),
        DictionaryValue dictionary => EscapeDictionary(dictionary),
        _ => null,
    };

    // Nested values are rare (scopes, destructured objects); kept apart so a scalar allocates no closure.
    private static SequenceValue? EscapeSequence(SequenceValue sequence)
    {
        var items = sequence.Elements.Select(Escape).ToList();
        return items.Exists(i => i is not null) ? new SequenceValue(sequence.Elements.Select((e, i) => items[i] ?? e)) : null;
    }

    private static StructureValue? EscapeStructure(StructureValue structure)
    {
        var items = structure.Properties.Select(p => Escape(p.Value)).ToList();
        return items.Exists(i => i is not null)
            ? new StructureValue(structure.Properties.Select((p, i) => items[i] is { } v ? new LogEventProperty(p.Name, v) : p), structure.TypeTag)
            : null;
    }

    private static DictionaryValue? EscapeDictionary(DictionaryValue dictionary) =>
        dictionary.Elements.Any(e => Escape(e.Key) is not null || Escape(e.Value) is not null)
            ? new DictionaryValue(dictionary.Elements.Select(e => new KeyValuePair<ScalarValue, LogEventPropertyValue>(Escape(e.Key) as ScalarValue ?? e.Key, Escape(e.Value) ?? e.Value)))
            : null;

    /// <summary>
    /// Printable ASCII without a backslash or quote is passed over by one vectorised scan; from the first other
    /// character on, the full set decides. (IndexOfAnyExceptInRange allocated on every call here, 96 B.)
    /// </summary>
    internal static bool NeedsEscaping(string text)
    {
        var span = text.AsSpan();
        var other = span.IndexOfAnyExcept(PlainAscii);
        return other >= 0 && span[other..].IndexOfAny(Unsafe) >= 0;
    }

    internal static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (c == '\\')
            {
                builder.Append(@"\\");
            }
            else if (!Unsafe.Contains(c))
            {
                builder.Append(c);
            }
            else if (c <= '\u00FF')
            {
                builder.Append(@"\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(@"\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static string UnsafeCharacters()
    {
        var chars = new StringBuilder("\\\"\u2028\u2029\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069");
        for (var c = '\u0000'; c <= '\u001F'; c++)
        {
            chars.Append(c);
        }

        for (var c = '\u007F'; c <= '\u009F'; c++)
        {
            chars.Append(c);
        }

        return chars.ToString();
    }
}
