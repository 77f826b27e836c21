using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>Captures every Serilog event of one proxy instance and mirrors it to the test output.</summary>
public sealed class LogSink(ITestOutputHelper? output) : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyCollection<LogEvent> Events => _events;

    /// <summary>Every event rendered with its exception and all property values: what any sink could print.</summary>
    public IEnumerable<string> Lines => _events.Select(Render);

    public string AllText => string.Join('\n', Lines);

    public void Emit(LogEvent logEvent)
    {
        _events.Enqueue(logEvent);
        try
        {
            output?.WriteLine(Render(logEvent));
        }
        catch (InvalidOperationException)
        {
            // The test already finished; its output helper is closed.
        }
    }

    public async Task<LogEvent> WaitForAsync(Func<LogEvent, bool> predicate, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            var match = _events.FirstOrDefault(predicate);
            if (match is not null)
            {
                return match;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("No matching log event. Log so far:\n" + AllText);
    }

    private static string Render(LogEvent e) =>
        $"{e.Level} {e.RenderMessage()} {string.Join(' ', e.Properties.Select(p => $"{p.Key}={p.Value}"))} {e.Exception}";
}
