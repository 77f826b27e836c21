using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Formatting;

namespace EdgeProxy.Observability;

/// <summary>
/// The default console sink when standard output is redirected (a container, systemd, a pipe). A request only
/// queues its event; one loop formats what has gathered and writes it in one go. While events flow, it lets them
/// gather for <see cref="Gather"/> first, so there are at most ~50 writes a second whatever the request rate (the
/// console sink behind Serilog.Sinks.Async woke its writer and made a write(2) per event: a context switch per
/// request). While nothing is logged it waits on the queue alone: no timer. Serilog's BatchingSink woke every
/// 20 ms even when idle, and each wake-up set the thread pool's idle workers spinning: ~7,000 context switches a
/// second and 3 % of a core for an idle proxy (bench/README.md). A full queue drops events, counts them, and says
/// so in the output.
/// </summary>
internal sealed class BatchedConsoleSink : ILogEventSink, IDisposable
{
    public static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(20);

    /// <summary>Events formatted into one write at most.</summary>
    public const int BatchSize = 1000;

    /// <summary>How long <see cref="Dispose"/> waits for the queue to be written out.</summary>
    public static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(10);

    private readonly ITextFormatter _formatter;
    private readonly TextWriter _output;
    private readonly int _capacity;
    private readonly Channel<LogEvent> _queue;
    private readonly StringWriter _buffer = new(new StringBuilder(8192), CultureInfo.InvariantCulture);
    private readonly Task _pump;
    private long _dropped;
    private bool _closing;

    public BatchedConsoleSink(ITextFormatter formatter, TextWriter output, int capacity = 10_000)
    {
        _formatter = formatter;
        _output = output;
        _capacity = capacity;
        _queue = Channel.CreateBounded<LogEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Events dropped because the queue was full, since the last time the output said so.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Emit(LogEvent logEvent)
    {
        // TryWrite never waits: with the queue full (or the sink disposed) the event is dropped and counted.
        if (!_queue.Writer.TryWrite(logEvent))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _closing, true);
        _queue.Writer.TryComplete();
        if (!_pump.Wait(FlushTimeout))
        {
            SelfLog.WriteLine("BatchedConsoleSink: the console did not take the remaining events within {0}", FlushTimeout);
        }
    }

    private async Task PumpAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (!Volatile.Read(ref _closing))
            {
                await Task.Delay(Gather).ConfigureAwait(false);
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

    /// <summary>Writes up to <see cref="BatchSize"/> queued events in one write; true when more are waiting.</summary>
    private bool WriteBatch(ChannelReader<LogEvent> reader)
    {
        var text = _buffer.GetStringBuilder();
        text.Clear();
        var dropped = Interlocked.Exchange(ref _dropped, 0);
        if (dropped > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"[{DateTimeOffset.Now:HH:mm:ss} WRN] EdgeProxy.Logging: {dropped} log events dropped: the console fell behind (queue of {_capacity}){Environment.NewLine}");
        }

        var count = 0;
        while (count < BatchSize && reader.TryRead(out var logEvent))
        {
            _formatter.Format(logEvent, _buffer);
            count++;
        }

        try
        {
            _output.Write(text.ToString());
            _output.Flush();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            SelfLog.WriteLine("BatchedConsoleSink: could not write to the console: {0}", ex.Message);
        }

        if (text.Capacity > 1 << 20)
        {
            text.Capacity = 8192; // a burst's buffer is not kept for ever
        }

        return count == BatchSize;
    }
}
