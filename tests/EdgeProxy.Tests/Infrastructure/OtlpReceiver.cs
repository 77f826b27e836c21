using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// An OTLP/HTTP collector on 127.0.0.1:0 (POST /v1/traces and /v1/metrics, protobuf): it decodes the spans of
/// every <c>ExportTraceServiceRequest</c> and keeps the metric names of every <c>ExportMetricsServiceRequest</c>.
/// Only the fields the tests read are decoded; the wire format is walked, so an exporter that sent something
/// else would show up as missing spans rather than be guessed at.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly TestUpstream _server;
    private readonly ConcurrentQueue<Span> _spans = new();
    private readonly ConcurrentDictionary<string, byte> _metricNames = new();

    private int _metricExports;

    public int MetricExports => Volatile.Read(ref _metricExports);

    private OtlpReceiver(TestUpstream server) => _server = server;

    public string Url => _server.Url;

    public IReadOnlyCollection<Span> Spans => [.. _spans];

    public IReadOnlyCollection<string> MetricNames => [.. _metricNames.Keys];

    public static async Task<OtlpReceiver> StartAsync()
    {
        OtlpReceiver? receiver = null;
        var server = await TestUpstream.StartAsync(app =>
        {
            app.MapPost("/v1/traces", async (HttpContext context) =>
            {
                receiver!.ReadTraces(await ReadBodyAsync(context));
                context.Response.ContentType = "application/x-protobuf";
            });
            app.MapPost("/v1/metrics", async (HttpContext context) =>
            {
                Interlocked.Increment(ref receiver!._metricExports);
                receiver.ReadMetrics(await ReadBodyAsync(context));
                context.Response.ContentType = "application/x-protobuf";
            });
        });
        receiver = new OtlpReceiver(server);
        return receiver;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        context.Request.ContentType.Should().Be("application/x-protobuf");
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        return body.ToArray();
    }

    // ExportTraceServiceRequest: resource_spans = 1 { scope_spans = 2 { spans = 2 { trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, kind = 6 } } }
    private void ReadTraces(byte[] body)
    {
        foreach (var resourceSpans in Fields(body, 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    _spans.Enqueue(new Span(
                        ActivityTraceId.CreateFromBytes(Single(span, 1)),
                        ActivitySpanId.CreateFromBytes(Single(span, 2)),
                        Single(span, 4) is { Length: 8 } parent ? ActivitySpanId.CreateFromBytes(parent) : default,
                        Encoding.UTF8.GetString(Single(span, 5)),
                        (ActivityKind)(Varint(span, 6) - 1))); // OTLP: 1 internal, 2 server, 3 client; ActivityKind: 0, 1, 2
                }
            }
        }
    }

    // ExportMetricsServiceRequest: resource_metrics = 1 { scope_metrics = 2 { metrics = 2 { name = 1 } } }
    private void ReadMetrics(byte[] body)
    {
        foreach (var resourceMetrics in Fields(body, 1))
        {
            foreach (var scopeMetrics in Fields(resourceMetrics, 2))
            {
                foreach (var metric in Fields(scopeMetrics, 2))
                {
                    _metricNames.TryAdd(Encoding.UTF8.GetString(Single(metric, 1)), 0);
                }
            }
        }
    }

    /// <summary>The length-delimited fields numbered <paramref name="number"/> of one protobuf message.</summary>
    private static List<byte[]> Fields(ReadOnlySpan<byte> message, int number)
    {
        var found = new List<byte[]>();
        Walk(message, (field, wireType, value, bytes) =>
        {
            if (field == number && wireType == 2)
            {
                found.Add(bytes);
            }
        });
        return found;
    }

    private static byte[] Single(ReadOnlySpan<byte> message, int number) => Fields(message, number) is [var one] ? one : [];

    private static long Varint(ReadOnlySpan<byte> message, int number)
    {
        long result = 0;
        Walk(message, (field, wireType, value, _) =>
        {
            if (field == number && wireType == 0)
            {
                result = value;
            }
        });
        return result;
    }

    private static void Walk(ReadOnlySpan<byte> message, Action<int, int, long, byte[]> visit)
    {
        var position = 0;
        while (position < message.Length)
        {
            var key = ReadVarint(message, ref position);
            var field = (int)(key >> 3);
            var wireType = (int)(key & 7);
            switch (wireType)
            {
                case 0:
                    visit(field, wireType, ReadVarint(message, ref position), []);
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref position);
                    visit(field, wireType, 0, message.Slice(position, length).ToArray());
                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {wireType} at byte {position}: not an OTLP message");
            }
        }
    }

    private static long ReadVarint(ReadOnlySpan<byte> message, ref int position)
    {
        long value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (long)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    public sealed record Span(ActivityTraceId TraceId, ActivitySpanId SpanId, ActivitySpanId ParentSpanId, string Name, ActivityKind Kind);
}
