using EdgeProxy.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeProxy.Streaming;

/// <summary>
/// The current <see cref="StreamingSettings"/>, rebuilt from <see cref="StreamingOptions"/> when the file reloads.
/// Reloads reach here only after the whole file passed validation; requests already running keep the snapshot they
/// started with.
/// </summary>
internal sealed class StreamingPolicies : IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile StreamingSettings _current;

    public StreamingPolicies(IOptionsMonitor<StreamingOptions> options, IConfiguration configuration)
    {
        _current = Read(options.CurrentValue, configuration);
        _subscription = options.OnChange(o => _current = Read(o, configuration));
    }

    public StreamingSettings Current => _current;

    public void Dispose() => _subscription?.Dispose();

    private static StreamingSettings Read(StreamingOptions options, IConfiguration configuration) =>
        StreamingOptionsValidator.Resolve(options, StreamingOptionsValidator.KestrelBodyLimit(configuration), new ConfigReport());
}
