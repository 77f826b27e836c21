using System.Buffers;
using System.Globalization;
using System.Text;

namespace EdgeProxy.Observability;

/// <summary>
/// Writes one access-log line as UTF-8 at the end of the console's batch (<see cref="BatchedConsoleSink"/>): into the
/// batch's free space directly, taken once per line (again only when it runs out); <see cref="Commit"/> makes it part
/// of the batch. With <paramref name="repeated"/> (the console's writer), a value that is the same string object as the
/// line before's in that field is copied from there instead of scanned and encoded again.
/// </summary>
internal ref struct Utf8Buffer(ArrayBufferWriter<byte> output, RepeatedValues? repeated = null)
{
    private const byte Dash = (byte)'-';

    /// <summary>Enough for nearly every line, text or JSON.</summary>
    private const int Room = 2048;

    private Span<byte> _free = output.GetSpan(Room);
    private int _length;

    /// <summary>Adds what was written to the batch.</summary>
    public void Commit()
    {
        output.Advance(_length);
        _length = 0;
        _free = default;
    }

    public void Literal(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Free(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>
    /// A string value as <see cref="LogValueEscaper"/> leaves it (null as <c>-</c>); in JSON quoted, with the
    /// backslashes JsonValueFormatter doubles. After the escaper no other character needs JSON escaping.
    /// <paramref name="field"/> names the field for <see cref="RepeatedValues"/>; <see cref="RepeatedValues.None"/>
    /// for a value that is new every line (the path).
    /// </summary>
    public void Value(string? value, bool json, int field)
    {
        value ??= "-";
        if (json)
        {
            Literal("\""u8);
        }

        if (repeated is not null && repeated.TryGet(field, value, json, out var known))
        {
            Literal(known);
        }
        else
        {
            var written = Encode(value, json);
            repeated?.Remember(field, value, json, _free.Slice(_length - written, written));
        }

        if (json)
        {
            Literal("\""u8);
        }
    }

    public void Formatted<T>(T value, string? format)
        where T : IUtf8SpanFormattable
    {
        var room = 64;
        int written;
        while (!value.TryFormat(Free(room), out written, format, CultureInfo.InvariantCulture))
        {
            room *= 2;
        }

        _length += written;
    }

    /// <summary>The time of day as the custom format <c>HH:mm:ss</c> writes it (the console template's), without its parser.</summary>
    public void TimeOfDay(DateTimeOffset time)
    {
        var clock = time.DateTime;
        Literal([Digit(clock.Hour / 10), Digit(clock.Hour % 10), (byte)':', Digit(clock.Minute / 10), Digit(clock.Minute % 10), (byte)':', Digit(clock.Second / 10), Digit(clock.Second % 10)]);

        static byte Digit(int value) => (byte)('0' + value);
    }

    /// <summary>
    /// A duration in ms as the custom format <c>0.0</c> writes it (Serilog's template says <c>{DurationMs:0.0}</c>),
    /// without the custom-format parser for every line. That format rounds the value to 15 significant digits, then
    /// half away from zero to one decimal. From whole ticks (<see cref="ExactTicks"/>: every request's duration under
    /// 27 hours) the 15-digit rounding gives back ticks / 10,000 exactly (at most 12 digits; the double is within 1e-8
    /// of it), so the tenths are the ticks rounded half away from zero. Any other value takes the custom format itself.
    /// </summary>
    public void OneDecimal(double value)
    {
        var ticks = ExactTicks(value);
        if (ticks < 0)
        {
            Formatted(value, "0.0");
            return;
        }

        var tenths = (ticks + 500) / 1000;
        Formatted(tenths / 10, null);
        Literal([(byte)'.', (byte)('0' + (int)(tenths % 10))]);
    }

    /// <summary>The trace or span id in lower-case hex (as the Activity writes it), or <c>-</c> without an Activity.</summary>
    public void Trace(in AccessLogEntry entry, bool span)
    {
        if (!entry.HasTrace)
        {
            Literal([Dash]);
            return;
        }

        _length += entry.Trace.WriteHex(span, Free(TraceIds.MaxHexLength));
    }

    /// <summary>
    /// A duration in ms as Serilog's JSON writes a double (<c>R</c>: the shortest digits that read back as the same
    /// double). A duration from whole ticks (<see cref="ExactTicks"/>, every one a request's <see cref="TimeSpan"/>
    /// gives) is written from the ticks: that double is the one nearest the decimal ticks / 10,000, and below 1e8 ms
    /// doubles lie under 1.5e-8 apart, so no shorter text reads back as it: its shortest text is that decimal with
    /// the trailing zeros dropped. Every other value takes the runtime's own formatting.
    /// </summary>
    public void Shortest(double value)
    {
        var ticks = ExactTicks(value);
        if (ticks < 0)
        {
            Formatted(value, "R");
            return;
        }

        Formatted(ticks / TimeSpan.TicksPerMillisecond, null);
        var fraction = (int)(ticks % TimeSpan.TicksPerMillisecond);
        if (fraction == 0)
        {
            return;
        }

        Span<byte> digits = [(byte)'.', (byte)('0' + (fraction / 1000)), (byte)('0' + (fraction / 100 % 10)), (byte)('0' + (fraction / 10 % 10)), (byte)('0' + (fraction % 10))];
        var length = digits.Length;
        while (digits[length - 1] == '0')
        {
            length--;
        }

        Literal(digits[..length]);
    }

    /// <summary>
    /// The whole ticks <paramref name="ms"/> is <see cref="TimeSpan.TotalMilliseconds"/> of (that double exactly),
    /// for 0 &lt;= ms &lt; 1e8 (27 hours); -1 for any other value.
    /// </summary>
    public static long ExactTicks(double ms)
    {
        if (double.IsNegative(ms) || !(ms < 1e8))
        {
            return -1;
        }

        var ticks = (long)Math.Round(ms * TimeSpan.TicksPerMillisecond);
        return ticks / (double)TimeSpan.TicksPerMillisecond == ms ? ticks : -1;
    }

    /// <summary>The value's UTF-8, escaped (<see cref="Value"/>), at the end of the line; how many bytes.</summary>
    private int Encode(string value, bool json)
    {
        if (LogValueEscaper.NeedsEscaping(value))
        {
            value = LogValueEscaper.Escape(value);
            if (json)
            {
                value = value.Replace("\\", @"\\", StringComparison.Ordinal);
            }
        }

        // An unpaired surrogate becomes U+FFFD, as the console's encoder writes it.
        var written = Encoding.UTF8.GetBytes(value, Free(Encoding.UTF8.GetMaxByteCount(value.Length))); // Free may move _length
        _length += written;
        return written;
    }

    /// <summary>At least <paramref name="size"/> bytes of free space after what this line wrote so far.</summary>
    private Span<byte> Free(int size)
    {
        if (_free.Length - _length < size)
        {
            output.Advance(_length);
            _free = output.GetSpan(Math.Max(size, Room));
            _length = 0;
        }

        return _free[_length..];
    }
}
