using System.Buffers;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Parsing;

namespace EdgeProxy.Observability;

/// <summary>
/// EdgeProxy's own console (the <c>Serilog</c> section names no sink): one queue for Serilog's events and the access
/// log's entries, so their order and the drop count are one mechanism. A request only queues its entry (a struct of
/// the values it read: nothing is allocated or formatted on the request's thread); one thread of the sink's own
/// (<see cref="ThreadName"/>) writes what has gathered — access-log lines as UTF-8 straight into the batch
/// (<see cref="AccessLogLine"/>) — to standard output in one go. While entries flow, it sleeps <see cref="Gather"/>
/// before each batch, so there are at most ~50 writes a second whatever the request rate (the console sink behind
/// Serilog.Sinks.Async woke its writer and made a write(2) per event: a context switch per request). While nothing is
/// logged it blocks on the queue alone: no timer (Serilog's BatchingSink woke every 20 ms even when idle, and each
/// wake-up set the thread pool's idle workers spinning). Its own thread, not the thread pool's: a pool worker woken by
/// a timer for every batch, then spinning for more work, cost more system calls per request than the write itself
/// (bench/README.md). A full queue drops entries, counts them, and says so in the output.
/// </summary>
internal sealed class BatchedConsoleSink : ILogEventSink, IDisposable
{
    public static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(20);

    /// <summary>Entries written in one write at most.</summary>
    public const int BatchSize = 1000;

    /// <summary>The writer thread's name, as <c>/proc/PID/task/TID/comm</c> shows it (bench/log-toggle.sh reads its CPU).</summary>
    public const string ThreadName = "edgeproxy-log";

    /// <summary>How long <see cref="Dispose"/> waits for the queue to be written out.</summary>
    public static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(10);

    private const int BatchBuffer = 16384;

    private static readonly MessageTemplate DroppedTemplate = new MessageTemplateParser().Parse("{Dropped} log events dropped: the console fell behind (queue of {Capacity})");

    private readonly ITextFormatter _formatter;
    private readonly Stream _output;
    private readonly int _capacity;
    private readonly Channel<Entry> _queue;
    private readonly StringWriter _text = new(new StringBuilder(1024), CultureInfo.InvariantCulture);
    private readonly Encoder _utf8 = Encoding.UTF8.GetEncoder();
    private ArrayBufferWriter<byte> _batch = new(BatchBuffer);
    private readonly RepeatedValues _repeated = new(); // the writer thread's alone
    private readonly Thread _writer;
    private long _dropped;

    /// <summary>Entries queued and not yet taken by the writer: the bound, which the unbounded channel does not keep itself.</summary>
    private int _queued;
    private bool _closing;

    public BatchedConsoleSink(ITextFormatter formatter, Stream output, ConsoleLogFormat format = ConsoleLogFormat.Text, int capacity = 10_000)
    {
        _formatter = formatter;
        _output = output;
        Format = format;
        _capacity = capacity;
        // Unbounded with a count of our own: its single reader takes entries without the lock every writer takes (a
        // bounded channel's reader takes it for every entry, and the request threads queued behind a draining writer).
        _queue = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });
        _writer = new Thread(Pump) { IsBackground = true, Name = ThreadName };
        _writer.Start();
    }

    /// <summary>The format <see cref="AccessLogLine"/> writes the access log in, the one <see cref="_formatter"/> writes.</summary>
    public ConsoleLogFormat Format { get; }

    /// <summary>Entries dropped because the queue was full, since the last time the output said so.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Emit(LogEvent logEvent) => Enqueue(new Entry(logEvent, default));

    /// <summary>Queues a request's access-log entry; the writer formats it.</summary>
    public void Emit(in AccessLogEntry entry) => Enqueue(new Entry(null, entry));

    public void Dispose()
    {
        Volatile.Write(ref _closing, true);
        _queue.Writer.TryComplete();
        if (!_writer.Join(FlushTimeout))
        {
            SelfLog.WriteLine("BatchedConsoleSink: the console did not take the remaining events within {0}", FlushTimeout);
        }
    }

    private void Enqueue(Entry entry)
    {
        // Never waits: with the queue full (or the sink disposed) the entry is dropped and counted.
        if (Interlocked.Increment(ref _queued) > _capacity || !_queue.Writer.TryWrite(entry))
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _dropped);
        }
    }

    private void Pump()
    {
        var reader = _queue.Reader;
        while (WaitForEntries(reader))
        {
            // While entries keep coming: gather, write, gather again. Only a gathering that found nothing goes back
            // to waiting on the queue, whose wake-up goes through the thread pool.
            while (true)
            {
                if (!Volatile.Read(ref _closing))
                {
                    Thread.Sleep(Gather);
                }

                if (!reader.TryPeek(out _))
                {
                    break;
                }

                try
                {
                    while (WriteBatch(reader))
                    {
                    }
                }
                catch (Exception ex)
                {
                    SelfLog.WriteLine("BatchedConsoleSink: a batch was lost: {0}", ex);
                }
            }
        }
    }

    /// <summary>True once an entry is queued (at once while entries flow), false once the queue is completed and empty.</summary>
    private static bool WaitForEntries(ChannelReader<Entry> reader)
    {
        var ready = reader.WaitToReadAsync();
        return ready.IsCompletedSuccessfully ? ready.Result : ready.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Writes up to <see cref="BatchSize"/> queued entries in one write; true when more are waiting.</summary>
    private bool WriteBatch(ChannelReader<Entry> reader)
    {
        _batch.ResetWrittenCount();
        var dropped = Interlocked.Exchange(ref _dropped, 0);
        if (dropped > 0)
        {
            Append(new LogEvent(DateTimeOffset.Now, LogEventLevel.Warning, null, DroppedTemplate,
            [
                new LogEventProperty("Dropped", new ScalarValue(dropped)),
                new LogEventProperty("Capacity", new ScalarValue(_capacity)),
                new LogEventProperty(Serilog.Core.Constants.SourceContextPropertyName, new ScalarValue("EdgeProxy.Logging")),
            ]));
        }

        var count = 0;
        try
        {
            while (count < BatchSize && reader.TryRead(out var entry))
            {
                count++;
                if (entry.Event is { } logEvent)
                {
                    Append(logEvent);
                }
                else
                {
                    AccessLogLine.Write(entry.Access, Format, _batch, _repeated);
                }
            }
        }
        finally
        {
            Interlocked.Add(ref _queued, -count); // taken: room for as many new entries, before the write (which may block)
        }

        try
        {
            _output.Write(_batch.WrittenSpan);
            _output.Flush();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            SelfLog.WriteLine("BatchedConsoleSink: could not write to the console: {0}", ex.Message);
        }

        if (_batch.Capacity > 1 << 20)
        {
            _batch = new(BatchBuffer); // a burst's buffer is not kept for ever
        }

        return count == BatchSize;
    }

    private void Append(LogEvent logEvent)
    {
        var text = _text.GetStringBuilder();
        text.Clear();
        _formatter.Format(logEvent, _text);
        foreach (var chunk in text.GetChunks())
        {
            _utf8.Convert(chunk.Span, _batch, flush: false, out _, out _); // a pair split between chunks stays a pair
        }

        _utf8.Convert([], _batch, flush: true, out _, out _);

        if (text.Capacity > 1 << 16)
        {
            text.Capacity = 1024; // one huge event's buffer is not kept for ever
        }
    }

    /// <summary>A Serilog event, or (without one) a request's access-log entry.</summary>
    private readonly record struct Entry(LogEvent? Event, AccessLogEntry Access);
}
