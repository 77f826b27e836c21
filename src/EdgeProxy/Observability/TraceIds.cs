using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace EdgeProxy.Observability;

/// <summary>
/// A request's trace and span ids as their 24 bytes, inside its access-log entry. The request's thread decodes them
/// from the Activity's hex text while that text is in its cache; the console's writer (another core) then writes
/// their hex from the entry it reads anyway, instead of reaching into two strings no other part of the line touches.
/// </summary>
internal readonly struct TraceIds
{
    /// <summary>The longest <see cref="WriteHex"/> writes.</summary>
    public const int MaxHexLength = TraceLength * 2;

    private const int TraceLength = 16;
    private const int SpanLength = 8;

    private readonly Bytes _bytes;

    private TraceIds(ActivityTraceId trace, ActivitySpanId span)
    {
        Span<byte> bytes = _bytes;
        // An Activity's ids are always 32 and 16 lower-case hex digits: Done, nothing left over.
        HasValue = Convert.FromHexString(trace.ToHexString(), bytes[..TraceLength], out _, out _) == System.Buffers.OperationStatus.Done
            && Convert.FromHexString(span.ToHexString(), bytes[TraceLength..], out _, out _) == System.Buffers.OperationStatus.Done;
    }

    /// <summary>False without an Activity: the line then says <c>-</c> for both.</summary>
    public bool HasValue { get; }

    public ActivityTraceId TraceId => HasValue ? ActivityTraceId.CreateFromBytes(((ReadOnlySpan<byte>)_bytes)[..TraceLength]) : default;

    public ActivitySpanId SpanId => HasValue ? ActivitySpanId.CreateFromBytes(((ReadOnlySpan<byte>)_bytes)[TraceLength..]) : default;

    /// <summary>The trace id (or with <paramref name="span"/> the span id) in lower-case hex, as the Activity writes it; how many bytes.</summary>
    public int WriteHex(bool span, Span<byte> utf8)
    {
        ReadOnlySpan<byte> bytes = _bytes;
        Convert.TryToHexStringLower(span ? bytes[TraceLength..] : bytes[..TraceLength], utf8, out var written);
        return written;
    }

    public static TraceIds Of(Activity? activity) => activity is null ? default : Of(activity.TraceId, activity.SpanId);

    /// <summary>The ids, or none when either is unset.</summary>
    public static TraceIds Of(ActivityTraceId trace, ActivitySpanId span) => trace == default || span == default ? default : new TraceIds(trace, span);

    [InlineArray(TraceLength + SpanLength)]
    private struct Bytes
    {
        private byte _first;
    }
}
