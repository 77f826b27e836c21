using System.Buffers;
using System.Globalization;
using System.Text;

namespace EdgeProxy.Observability;

/// <summary>
/// A growing UTF-8 buffer from <see cref="LineBuffers"/>, for one access-log line. Whoever takes <see cref="Buffer"/>
/// returns it there.
/// </summary>
internal ref struct Utf8Buffer()
{
    private const char Dash = '-';

    public byte[] Buffer { get; private set; } = LineBuffers.Rent();

    public int Length { get; private set; }

    private readonly Span<byte> Free => Buffer.AsSpan(Length);

    public void Literal(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(Free);
        Length += bytes.Length;
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

        Ensure(Encoding.UTF8.GetMaxByteCount(value.Length));
        Length += Encoding.UTF8.GetBytes(value, Free); // an unpaired surrogate becomes U+FFFD, as the console's encoder writes it
        if (json)
        {
            Literal("\""u8);
        }
    }

    public void Formatted<T>(T value, string? format)
        where T : IUtf8SpanFormattable
    {
        int written;
        while (!value.TryFormat(Free, out written, format, CultureInfo.InvariantCulture))
        {
            Ensure(Buffer.Length); // doubles
        }

        Length += written;
    }

    /// <summary>The trace or span id in lower-case hex, or <c>-</c> without an Activity.</summary>
    public void Trace(in AccessLogEntry entry, bool span)
    {
        if (!entry.HasTrace)
        {
            Literal([(byte)Dash]);
            return;
        }

        Span<byte> id = stackalloc byte[16];
        Span<char> hex = stackalloc char[32];
        var raw = span ? id[..8] : id;
        if (span)
        {
            entry.SpanId.CopyTo(raw);
        }
        else
        {
            entry.TraceId.CopyTo(raw);
        }

        Convert.TryToHexStringLower(raw, hex, out var length);
        Ensure(length);
        Length += Encoding.ASCII.GetBytes(hex[..length], Free);
    }

    private void Ensure(int more)
    {
        if (Buffer.Length - Length >= more)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(Buffer.Length * 2, Length + more));
        Buffer.AsSpan(0, Length).CopyTo(larger);
        LineBuffers.Return(Buffer);
        Buffer = larger;
    }
}
