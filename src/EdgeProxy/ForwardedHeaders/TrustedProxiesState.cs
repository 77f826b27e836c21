using Microsoft.Extensions.Options;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// The current <see cref="TrustedProxiesOptions"/> as an immutable, parsed snapshot, swapped whole when the
/// file reloads, so a request never sees half of an old list and half of a new one and nothing is parsed per request.
/// </summary>
internal sealed class TrustedProxiesState : IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile TrustedProxiesSnapshot _current;

    public TrustedProxiesState(IOptionsMonitor<TrustedProxiesOptions> options)
    {
        _current = TrustedProxiesSnapshot.From(options.CurrentValue);
        _subscription = options.OnChange(o => _current = TrustedProxiesSnapshot.From(o));
    }

    public TrustedProxiesSnapshot Current => _current;

    public void Dispose() => _subscription?.Dispose();
}
