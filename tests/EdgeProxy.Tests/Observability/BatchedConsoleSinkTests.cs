using System.Text;
using EdgeProxy.Observability;
using EdgeProxy.Tests.Infrastructure;
using Serilog.Events;
using Serilog.Formatting.Display;
using Serilog.Parsing;

namespace EdgeProxy.Tests.Observability;

/// <summary>EdgeProxy's own console: batched writes, nothing lost on dispose, events and access-log lines in one order, and drops counted when the console (a blocked stdout) falls behind.</summary>
public sealed class BatchedConsoleSinkTests
{
    private static readonly MessageTemplateTextFormatter Formatter = new(SerilogSetup.ConsoleTemplate, System.Globalization.CultureInfo.InvariantCulture);

    private static LogEvent Event(string text) =>
        new(DateTimeOffset.Now, LogEventLevel.Information, null, new MessageTemplateParser().Parse(text), [new LogEventProperty("SourceContext", new ScalarValue("Test"))]);

    [Fact]
    public void EventsWrittenTogether_LeaveInFewWrites_AndDisposeWritesTheRest()
    {
        var output = new RecordingWriter();
        var sink = new BatchedConsoleSink(Formatter, output);
        for (var i = 0; i < 2500; i++)
        {
            sink.Emit(Event($"line {i}"));
        }

        sink.Dispose();

        var lines = output.Text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(2500).And.AllSatisfy(l => l.Should().MatchRegex(@"^\[\d\d:\d\d:\d\d INF\] Test: line \d+$"));
        lines.Select(l => l[(l.LastIndexOf(' ') + 1)..]).Should().Equal(Enumerable.Range(0, 2500).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), "in order");
        output.Writes.Should().BeInRange(3, 100, $"batches of at most {BatchedConsoleSink.BatchSize} events, one write each, not one per event");
    }

    [Fact]
    public void TheConsoleIsWritten_ByAThreadOfItsOwn_NotAThreadPoolWorker()
    {
        var output = new RecordingWriter();
        var sink = new BatchedConsoleSink(Formatter, output);
        sink.Emit(Event("one"));
        sink.Dispose();

        output.Text.Should().Contain("one");
        output.WriterThreads.Should().Equal([(BatchedConsoleSink.ThreadName, false)], "bench/log-toggle.sh reads this thread's CPU by its name, and a pool worker woken per batch cost system calls per request");
    }

    [Fact]
    public async Task AFullQueue_DropsNewEvents_CountsThem_AndSaysSoInTheOutput()
    {
        var output = new RecordingWriter { Blocked = new ManualResetEventSlim(false) };
        var sink = new BatchedConsoleSink(Formatter, output, capacity: 10);
        sink.Emit(Event("first"));
        (await Eventually.EqualsAsync(() => Task.FromResult(output.Waiting), true)).Should().BeTrue("the pump is inside a write the console does not take");

        for (var i = 0; i < 25; i++)
        {
            sink.Emit(Event($"queued {i}"));
        }

        sink.Dropped.Should().Be(15, "10 fit in the queue, the 15 after them are dropped without waiting");
        output.Blocked.Set();
        sink.Dispose();

        output.Text.Should().Contain("first").And.Contain("queued 9").And.NotContain("queued 10");
        output.Text.Should().MatchRegex(@"\[\d\d:\d\d:\d\d WRN\] EdgeProxy\.Logging: 15 log events dropped: the console fell behind \(queue of 10\)");
        sink.Dropped.Should().Be(0, "reported once");
    }

    [Theory]
    [InlineData(ConsoleLogFormat.Text)]
    [InlineData(ConsoleLogFormat.CompactJson)]
    public async Task AccessLogLinesAndEvents_ShareOneQueue_InOrder_AndDropsOfEitherAreCounted(ConsoleLogFormat format)
    {
        var output = new RecordingWriter { Blocked = new ManualResetEventSlim(false) };
        var sink = new BatchedConsoleSink(SerilogSetup.Formatter(format), output, format, capacity: 10);
        sink.Emit(Event("first"));
        (await Eventually.EqualsAsync(() => Task.FromResult(output.Waiting), true)).Should().BeTrue("the pump is inside a write the console does not take");
        for (var i = 0; i < 13; i++)
        {
            if (i % 2 == 0)
            {
                sink.Emit(Event($"event{i}"));
            }
            else
            {
                sink.Emit(AccessLog($"/line{i}"));
            }
        }

        sink.Dropped.Should().Be(3, "10 fit in the queue; the event and the two lines after them are dropped");
        output.Blocked.Set();
        sink.Dispose();

        var lines = output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var written = lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"(first|event\d+|/line\d+)").Value).Where(w => w.Length > 0).ToList();
        written.Should().Equal(["first", .. Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? $"event{i}" : $"/line{i}")], "one queue: the order they came in");
        var warning = lines.Should().ContainSingle(l => l.Contains("dropped", StringComparison.Ordinal)).Subject;
        if (format == ConsoleLogFormat.Text)
        {
            warning.Should().MatchRegex(@"^\[\d\d:\d\d:\d\d WRN\] EdgeProxy\.Logging: 3 log events dropped: the console fell behind \(queue of 10\)$");
        }
        else
        {
            using var json = System.Text.Json.JsonDocument.Parse(warning);
            json.RootElement.GetProperty("@l").GetString().Should().Be("Warning");
            json.RootElement.GetProperty("Dropped").GetInt64().Should().Be(3);
            json.RootElement.GetProperty("SourceContext").GetString().Should().Be("EdgeProxy.Logging");
            lines.Should().AllSatisfy(l => System.Text.Json.JsonDocument.Parse(l).Dispose(), "every line is one JSON object");
        }
    }

    private static AccessLogEntry AccessLog(string path) => new(
        DateTimeOffset.Now, "127.0.0.1", "GET", "https", "localhost", path, "HTTP/1.1", 200, 2, 0.5, "r", "c", "http://127.0.0.1:1/", "Tls13", "Https",
        TraceIds.Of(System.Diagnostics.ActivityTraceId.CreateRandom(), System.Diagnostics.ActivitySpanId.CreateRandom()), null);

    [Fact]
    public async Task ABrokenConsole_LosesItsBatch_NotTheSink()
    {
        var output = new RecordingWriter { FailNext = true };
        var sink = new BatchedConsoleSink(Formatter, output);
        sink.Emit(Event("lost"));
        (await Eventually.EqualsAsync(() => Task.FromResult(output.Attempts), 1)).Should().Be(1, "the first batch meets the failure");
        sink.Emit(Event("kept"));
        sink.Dispose();

        output.Text.Should().Contain("kept").And.NotContain("lost");
    }

    private sealed class RecordingWriter : Stream
    {
        private readonly MemoryStream _bytes = new();
        private int _attempts;

        public ManualResetEventSlim? Blocked { get; init; }

        public bool FailNext { get; set; }

        public volatile bool Waiting;

        public int Writes { get; private set; }

        /// <summary>Each distinct (name, is a pool worker) of the threads that wrote.</summary>
        public List<(string? Name, bool Pool)> WriterThreads { get; } = [];

        public int Attempts => Volatile.Read(ref _attempts);

        public string Text
        {
            get
            {
                lock (_bytes)
                {
                    return Encoding.UTF8.GetString(_bytes.ToArray());
                }
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Interlocked.Increment(ref _attempts);
            if (FailNext)
            {
                FailNext = false;
                throw new IOException("broken pipe");
            }

            if (Blocked is { IsSet: false } gate)
            {
                Waiting = true;
                gate.Wait();
            }

            lock (_bytes)
            {
                _bytes.Write(buffer);
                Writes++;
                if (!WriterThreads.Contains((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread)))
                {
                    WriterThreads.Add((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread));
                }
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
