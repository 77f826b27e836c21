using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ClientCertificates.Revocation;

/// <summary>Keeps every log entry (event id, level, rendered message) and mirrors it to the test output.</summary>
public sealed class RecordingLoggerFactory(ITestOutputHelper? output) : ILoggerFactory, ILoggerProvider
{
    private readonly ITestOutputHelper? _output = output;

    public sealed record Entry(LogLevel Level, int EventId, string Message);

    public ConcurrentQueue<Entry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public IEnumerable<Entry> WithId(int eventId) => Entries.Where(e => e.EventId == eventId);

    private sealed class Logger(RecordingLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            owner.Entries.Enqueue(new Entry(logLevel, eventId.Id, message));
            try
            {
                owner._output?.WriteLine($"{logLevel} [{eventId.Id}] {message} {exception}");
            }
            catch (InvalidOperationException)
            {
                // The test already finished.
            }
        }
    }
}
