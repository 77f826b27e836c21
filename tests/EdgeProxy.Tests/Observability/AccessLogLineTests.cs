using System.Buffers;
using System.Diagnostics;
using System.Text;
using EdgeProxy.Observability;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace EdgeProxy.Tests.Observability;

/// <summary>
/// The preformatted access-log line against what Serilog writes for the same request (its event through
/// <see cref="LogValueEscaper"/>, then the console template or CompactJsonFormatter, encoded as the console encodes):
/// byte for byte, for every hostile value in every string field, in both formats and in every variant of the line.
/// </summary>
public sealed class AccessLogLineTests
{
    private static readonly string[] HostileValues =
    [
        "\r\n[12:00:00 INF] EdgeProxy.AccessLog: 6.6.6.6 \"GET https://bank/ HTTP/1.1\" 200",
        "nul\0byte", "esc\u001b[31mred", "del\u007f", "csi\u009b", "tab\tand\vfeed\f", "nel\u0085",
        "line\u2028para\u2029", "bidi\u202Eevil\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069",
        "quote\"closes\" 500 route=adm", "back\\slash", "fake\\x22escape\\u2028", "\\\"", "\"\\",
        "lone\uD800high", "lone\uDC00low", "end\uD83D", "\uDE00start", "pair\uD83D\uDE00ok",
        "ünïcødé.exämple:8443", "CN=Jürgen \"Root\", O=例え, C=DE", "/путь/路径/%2F", "", "-",
        new string('a', 3000) + "\n" + new string('ü', 2000),
    ];

    public static readonly TheoryData<string> Hostile = [.. HostileValues];

    public static readonly TheoryData<ConsoleLogFormat, string> Variants = Matrix();

    [Theory]
    [MemberData(nameof(Hostile))]
    public void EveryHostileValue_InEveryField_IsWrittenAsSerilogWritesIt(string value)
    {
        foreach (var format in Enum.GetValues<ConsoleLogFormat>())
        {
            foreach (var field in Enumerable.Range(0, 13))
            {
                var entry = Entry(field, value);
                Fast(entry, format).Should().Equal(ViaSerilog(entry, format), $"field {field} in {format}: \n{Encoding.UTF8.GetString(ViaSerilog(entry, format))}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void EachVariantOfTheLine_IsWrittenAsSerilogWritesIt(ConsoleLogFormat format, string variant)
    {
        var entry = Entry(0, "/items/7") with { Timestamp = new DateTimeOffset(2026, 12, 6, 13, 5, 7, 123, TimeSpan.FromHours(2)).AddTicks(4567) };
        entry = variant switch
        {
            "retried" => entry with { Retried = true, Tries = 3, HeldMs = 12.5 },
            "rate-limited" => entry with { RateLimitPolicy = "per-ip\"\r\n", StatusCode = 429 },
            "retried and rate-limited" => entry with { Retried = true, Tries = 2, HeldMs = 0.4999, RateLimitPolicy = "burst" },
            "no trace" => entry with { Trace = default },
            "odd numbers" => entry with { DurationMs = 0.05, ResponseBytes = long.MaxValue, StatusCode = 499 },
            "tiny duration" => entry with { DurationMs = 1e-7, Retried = true, HeldMs = 1234567.891 },
            _ => entry,
        };

        var expected = ViaSerilog(entry, format);
        Fast(entry, format).Should().Equal(expected, Encoding.UTF8.GetString(expected));
    }

    /// <summary>
    /// The console's writer keeps each field's last value (<see cref="RepeatedValues"/>): a value that is the same
    /// object as the line before's is copied, not encoded again. Every line must still be what Serilog writes, whether
    /// its values are the kept objects, new ones with other text, new ones with the same text, too long to keep, or
    /// written in the other format through the same keeper.
    /// </summary>
    [Fact]
    public void RepeatedValues_KeepEveryLine_AsSerilogWritesIt()
    {
        var repeated = new RepeatedValues();
        var lines = 0;
        foreach (var value in HostileValues.Append(new string('x', RepeatedValues.MaxBytes + 1)))
        {
            foreach (var field in Enumerable.Range(0, 13))
            {
                var hostile = Entry(field, value);
                var sameText = Entry(field, new string(value.AsSpan())); // another object, the same text
                foreach (var entry in new[] { hostile, hostile, sameText, Entry(13, "-"), hostile })
                {
                    foreach (var format in Enum.GetValues<ConsoleLogFormat>())
                    {
                        var batch = new ArrayBufferWriter<byte>(16);
                        AccessLogLine.Write(entry, format, batch, repeated);
                        var expected = ViaSerilog(entry, format);
                        batch.WrittenSpan.ToArray().Should().Equal(expected, $"field {field} in {format}: \n{Encoding.UTF8.GetString(expected)}");
                        lines++;
                    }
                }
            }
        }

        lines.Should().Be((HostileValues.Length + 1) * 13 * 5 * 2);
    }

    /// <summary>
    /// A request's duration is whole ticks (<see cref="TimeSpan.TotalMilliseconds"/>), written from the ticks
    /// (<see cref="Utf8Buffer.ExactTicks"/>) instead of by the runtime's double formatting: for every tick count up
    /// to 2 million and random ones up to 27 hours, the digits must be those of <c>R</c> (the JSON property) and
    /// <c>0.0</c> (the message), and the ticks must be found (else every line silently takes the slow way).
    /// Values that are not whole ticks, or too large, take the runtime's formatting.
    /// </summary>
    [Fact]
    public void Durations_FromWholeTicks_HaveTheDigitsSerilogWrites()
    {
        var random = new Random(7);
        var ticks = Enumerable.Range(0, 2_000_001).Select(t => (long)t).ToList();
        for (var i = 0; i < 300_000; i++)
        {
            ticks.Add(random.NextInt64(0, 1_000_000_000_000));
        }

        ticks.AddRange([999_999_999_999, 999_999_999_000, 999_999_995_000, 999_999_994_999, 123_456_789_012, 10_000_000_000]);
        var batch = new ArrayBufferWriter<byte>();
        foreach (var tick in ticks)
        {
            var ms = TimeSpan.FromTicks(tick).TotalMilliseconds;
            if (Utf8Buffer.ExactTicks(ms) != tick)
            {
                Utf8Buffer.ExactTicks(ms).Should().Be(tick, $"{ms:R} ms is {tick} ticks");
            }

            Check(ms);
        }

        // Not from whole ticks, or outside 0 <= ms < 1e8: the runtime's digits.
        var others = new List<double> { -0.0, -0.0001, 1e8, 1e8 + 0.0001, 99_999_999.99995, 1e-7, 0.00015, 1e15, 1e300, double.Epsilon, double.MaxValue, double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1.25 };
        for (var i = 0; i < 200_000; i++)
        {
            others.Add(random.NextDouble() * Math.Pow(10, random.Next(-6, 12)));
        }

        foreach (var ms in others)
        {
            Check(ms);
        }

        void Check(double ms)
        {
            batch.ResetWrittenCount();
            var line = new Utf8Buffer(batch);
            line.Shortest(ms);
            line.Literal(" "u8);
            line.OneDecimal(ms);
            line.Commit();
            var expected = ms.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + " " + ms.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
            var actual = Encoding.UTF8.GetString(batch.WrittenSpan);
            if (actual != expected)
            {
                actual.Should().Be(expected, $"{ms:R} ms is written as R and 0.0 write it");
            }
        }
    }

    /// <summary>The text line's time of day, written without the custom-format parser: every second of a day, in three offsets.</summary>
    [Fact]
    public void TimeOfDay_HasTheDigitsOfHHmmss()
    {
        var batch = new ArrayBufferWriter<byte>();
        foreach (var offset in new[] { TimeSpan.Zero, TimeSpan.FromHours(-9.5), TimeSpan.FromHours(14) })
        {
            var midnight = new DateTimeOffset(2026, 12, 7, 0, 0, 0, offset).AddTicks(9_999_999);
            for (var second = 0; second < 86_400; second++)
            {
                var time = midnight.AddSeconds(second);
                batch.ResetWrittenCount();
                var line = new Utf8Buffer(batch);
                line.TimeOfDay(time);
                line.Commit();
                var expected = time.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
                if (Encoding.UTF8.GetString(batch.WrittenSpan) != expected)
                {
                    Encoding.UTF8.GetString(batch.WrittenSpan).Should().Be(expected);
                }
            }
        }
    }

    /// <summary>
    /// The entry keeps the ids as bytes (<see cref="TraceIds"/>); the line must carry the Activity's own hex text, and
    /// the Serilog event the same ids. Without an Activity, or with either id unset, the line says <c>-</c>.
    /// </summary>
    [Fact]
    public void TraceIds_AreTheActivitysOwn()
    {
        for (var i = 0; i < 1000; i++)
        {
            using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
            var ids = TraceIds.Of(activity);
            ids.HasValue.Should().BeTrue();
            ids.TraceId.Should().Be(activity.TraceId);
            ids.SpanId.Should().Be(activity.SpanId);
            var entry = Entry(13, "-") with { Trace = ids };
            var json = Encoding.UTF8.GetString(Fast(entry, ConsoleLogFormat.CompactJson));
            json.Should().Contain($"\"@tr\":\"{activity.TraceId.ToHexString()}\",\"@sp\":\"{activity.SpanId.ToHexString()}\"")
                .And.Contain($"\"TraceId\":\"{activity.TraceId.ToHexString()}\",\"SpanId\":\"{activity.SpanId.ToHexString()}\"");
            Encoding.UTF8.GetString(Fast(entry, ConsoleLogFormat.Text)).Should().Contain($" trace={activity.TraceId.ToHexString()} span={activity.SpanId.ToHexString()} ");
            entry.ToLogEvent().TraceId.Should().Be(activity.TraceId);
            entry.ToLogEvent().SpanId.Should().Be(activity.SpanId);
        }

        TraceIds.Of(null).HasValue.Should().BeFalse();
        TraceIds.Of(default, ActivitySpanId.CreateRandom()).HasValue.Should().BeFalse();
        TraceIds.Of(ActivityTraceId.CreateRandom(), default).HasValue.Should().BeFalse();
        Encoding.UTF8.GetString(Fast(Entry(13, "-") with { Trace = default }, ConsoleLogFormat.Text)).Should().Contain(" trace=- span=- ");
    }

    [Fact]
    public void TheLineIsOneLine_AppendedToWhatTheBatchHolds()
    {
        var entry = Entry(4, string.Concat(HostileValues));
        foreach (var format in Enum.GetValues<ConsoleLogFormat>())
        {
            var batch = new ArrayBufferWriter<byte>(16);
            batch.Write("earlier line\n"u8);
            AccessLogLine.Write(entry, format, batch);
            var text = Encoding.UTF8.GetString(batch.WrittenSpan)["earlier line\n".Length..];
            text.Should().EndWith(Environment.NewLine).And.Contain(format == ConsoleLogFormat.CompactJson ? @"\\x0D\\x0A" : @"\x0D\x0A");
            text.Split('\n').Should().HaveCount(2, "one line, then the end of it");
            text.TrimEnd('\n').Where(c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u202E' or '\u0085').Should().BeEmpty();
        }
    }

    /// <summary>
    /// The duration's one decimal is written without the custom-format parser; every value must still read as
    /// <c>0.0</c> writes it: random values at every scale, each tenth's half and its neighbours (where a single
    /// rounding and the format's 15-digit-then-one-decimal rounding could part), and values the short way leaves alone.
    /// </summary>
    [Fact]
    public void DurationMs_HasTheDigitsTheCustomFormatGives()
    {
        var random = new Random(24);
        var values = new List<double> { 0, -0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 0.95, 1.05, 2.675, 1e9, 1e9 - 0.05, 999999999.95, 1e15, 1e300, -1.25, -0.04, double.Epsilon, double.MaxValue, double.NaN, double.PositiveInfinity, double.NegativeInfinity };
        for (var i = 0; i < 200_000; i++)
        {
            values.Add(random.NextDouble());
            values.Add(random.NextDouble() * 1000);
            values.Add(Math.Pow(10, random.NextDouble() * 10)); // up to 1e10, past the short way's limit
        }

        foreach (var scale in new[] { 1, 1000, 1_000_000, 100_000_000 })
        {
            for (var k = 0; k < 20_000; k++)
            {
                var half = (k + 0.5) / 10 + scale - 1;
                values.AddRange([Math.BitDecrement(half), half, Math.BitIncrement(half), (k + 0.5) / 10]);
            }
        }

        var batch = new ArrayBufferWriter<byte>();
        foreach (var value in values)
        {
            batch.ResetWrittenCount();
            var line = new Utf8Buffer(batch);
            line.OneDecimal(value);
            line.Commit();
            var expected = value.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
            var actual = Encoding.UTF8.GetString(batch.WrittenSpan);
            if (actual != expected)
            {
                actual.Should().Be(expected, $"{value:R} is written as the custom format 0.0 writes it");
            }
        }
    }

    private static TheoryData<ConsoleLogFormat, string> Matrix()
    {
        var data = new TheoryData<ConsoleLogFormat, string>();
        foreach (var format in Enum.GetValues<ConsoleLogFormat>())
        {
            foreach (var variant in new[] { "plain", "retried", "rate-limited", "retried and rate-limited", "no trace", "odd numbers", "tiny duration" })
            {
                data.Add(format, variant);
            }
        }

        return data;
    }

    /// <summary>A request with <paramref name="value"/> in string field number <paramref name="field"/> and ordinary values elsewhere.</summary>
    private static AccessLogEntry Entry(int field, string value)
    {
        string V(int i, string ordinary) => i == field ? value : ordinary; // field 13 (none): every value ordinary
        return new AccessLogEntry(
            DateTimeOffset.Now, V(0, "127.0.0.1"), V(1, "GET"), V(2, "https"), V(3, "localhost:8443"), V(4, "/items/7"), V(5, "HTTP/2"),
            200, 10, 1.2345, V(6, "items"), V(7, "c"), V(8, "http://127.0.0.1:5000/"), V(9, "Tls13"), V(10, "Https"),
            TraceIds.Of(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom()), V(11, "CN=client, O=Example"))
        {
            RateLimitPolicy = field == 12 ? value : null,
        };
    }

    private static byte[] Fast(in AccessLogEntry entry, ConsoleLogFormat format)
    {
        var batch = new ArrayBufferWriter<byte>(16); // small: every piece of the line makes it grow at first
        AccessLogLine.Write(entry, format, batch);
        return batch.WrittenSpan.ToArray();
    }

    /// <summary>Today's path: the event through a logger set up as SerilogSetup sets it up, the formatter, UTF-8 as the console writes it.</summary>
    private static byte[] ViaSerilog(in AccessLogEntry entry, ConsoleLogFormat format)
    {
        var sink = new Capture();
        using var logger = new LoggerConfiguration().Enrich.FromLogContext().Enrich.With(LogValueEscaper.Instance).WriteTo.Sink(sink).CreateLogger();
        logger.ForContext(Constants.SourceContextPropertyName, AccessLogMiddleware.Category).Write(entry.ToLogEvent());
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        SerilogSetup.Formatter(format).Format(sink.Event!, text);
        return new UTF8Encoding(false).GetBytes(text.ToString());
    }

    private sealed class Capture : ILogEventSink
    {
        public LogEvent? Event { get; private set; }

        public void Emit(LogEvent logEvent) => Event = logEvent;
    }
}
