using System.Text;
using EdgeProxy.Observability;
using EdgeProxy.Tests.Infrastructure;
using Serilog.Events;
using Serilog.Formatting.Display;
using Serilog.Parsing;

namespace EdgeProxy.Tests.Observability;

/// <summary>The default console behind a pipe: batched writes, nothing lost on dispose, and drops counted when the console falls behind.</summary>
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

    private sealed class RecordingWriter : TextWriter
    {
        private readonly StringBuilder _text = new();
        private int _attempts;

        public ManualResetEventSlim? Blocked { get; init; }

        public bool FailNext { get; set; }

        public volatile bool Waiting;

        public int Writes { get; private set; }

        public int Attempts => Volatile.Read(ref _attempts);

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(string? value)
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

            lock (_text)
            {
                _text.Append(value);
                Writes++;
            }
        }
    }
}
