using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace EdgeProxy.Observability;

/// <summary>
/// The default console sink when standard output is redirected (a container, systemd, a pipe): events are
/// formatted in batches and each batch leaves in one write. Serilog's BatchingSink collects them on its own
/// task, so a request only enqueues its event; the console sink behind Serilog.Sinks.Async woke its writer
/// thread and made one write(2) per event, a context switch per request at load (bench/README.md).
/// </summary>
internal sealed class BatchedConsoleSink(ITextFormatter formatter, TextWriter output) : IBatchedLogEventSink
{
    private readonly StringWriter _buffer = new(new StringBuilder(8192), System.Globalization.CultureInfo.InvariantCulture);

    public Task EmitBatchAsync(IReadOnlyCollection<LogEvent> batch)
    {
        // One batch at a time (BatchingSink never overlaps calls), so the buffer is reused.
        var text = _buffer.GetStringBuilder();
        text.Clear();
        foreach (var logEvent in batch)
        {
            formatter.Format(logEvent, _buffer);
        }

        output.Write(text.ToString());
        output.Flush();
        if (text.Capacity > 1 << 20)
        {
            text.Capacity = 8192; // a burst's buffer is not kept for ever
        }

        return Task.CompletedTask;
    }
}
