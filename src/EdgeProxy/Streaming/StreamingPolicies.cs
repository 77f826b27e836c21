using EdgeProxy.Configuration;
using Microsoft.Extensions.Primitives;

namespace EdgeProxy.Streaming;

/// <summary>
/// The current <see cref="StreamingSettings"/>, rebuilt when the configuration reloads. Reloads reach here
/// only after the whole file passed validation; requests already running keep the snapshot they started with.
/// </summary>
internal sealed class StreamingPolicies : IDisposable
{
    private readonly IDisposable _subscription;
    private volatile StreamingSettings _current;

    public StreamingPolicies(IConfiguration configuration)
    {
        _current = Read(configuration);
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, () => _current = Read(configuration));
    }

    public StreamingSettings Current => _current;

    public void Dispose() => _subscription.Dispose();

    private static StreamingSettings Read(IConfiguration configuration) => StreamingValidator.Validate(configuration, new ConfigReport());
}
