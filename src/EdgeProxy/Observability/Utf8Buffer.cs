using System.Buffers;
using System.Globalization;
using System.Text;

namespace EdgeProxy.Observability;

/// <summary>
/// Writes one access-log line as UTF-8 at the end of the console's batch (<see cref="BatchedConsoleSink"/>): into the
/// batch's free space directly, taken once per line (again only when it runs out); <see cref="Commit"/> makes it part
/// of the batch.
/// </summary>
internal ref struct Utf8Buffer(ArrayBufferWriter<byte> output)
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
    /// </summary>
    public void Value(string? value, bool json)
    {
        value ??= "-";
        if (LogValueEscaper.NeedsEscaping(value))
        {
            value = LogValueEscaper.Escape(value);
            if (json)
            {
                value = value.Replace("\\", @"\\", StringComparison.Ordinal);
            }
        }

        if (json)
        {
            Literal("\""u8);
        }

        // An unpaired surrogate becomes U+FFFD, as the console's encoder writes it.
        var written = Encoding.UTF8.GetBytes(value, Free(Encoding.UTF8.GetMaxByteCount(value.Length))); // Free may move _length
        _length += written;
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

    /// <summary>
    /// A duration in ms as the custom format <c>0.0</c> writes it (Serilog's template says <c>{DurationMs:0.0}</c>),
    /// without the custom-format parser for every line. That format rounds the value to 15 significant digits, then
    /// half away from zero to one decimal; rounding the binary value once at one decimal gives the same digits unless
    /// its tenths fall within 1e-4 of a half (a 15-digit rounding of a value below 1e9 moves it by at most 5e-6, its
    /// tenths by 5e-5), and those, like negative, huge or non-finite values, take the custom format itself.
    /// </summary>
    public void OneDecimal(double value)
    {
        if (!double.IsNegative(value) && value < 1e9)
        {
            var tenths = value * 10;
            var whole = Math.Floor(tenths);
            var fraction = tenths - whole;
            if (Math.Abs(fraction - 0.5) > 1e-4)
            {
                var rounded = (long)whole + (fraction > 0.5 ? 1 : 0);
                Formatted(rounded / 10, null);
                Literal([(byte)'.', (byte)('0' + (int)(rounded % 10))]);
                return;
            }
        }

        Formatted(value, "0.0");
    }

    /// <summary>
    /// The trace or span id, or <c>-</c> without an Activity: the id's own hex text (what Serilog writes, from
    /// <c>ToHexString</c>, which returns the text the id keeps), not its bytes decoded and encoded again.
    /// </summary>
    public void Trace(in AccessLogEntry entry, bool span)
    {
        if (!entry.HasTrace)
        {
            Literal([Dash]);
            return;
        }

        var hex = span ? entry.SpanId.ToHexString() : entry.TraceId.ToHexString();
        var written = Encoding.ASCII.GetBytes(hex, Free(hex.Length));
        _length += written;
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
