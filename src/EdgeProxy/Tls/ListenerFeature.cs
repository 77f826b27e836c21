using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeProxy.Tls;

/// <summary>
/// Set on every connection by the listener that accepted it, so the request pipeline knows whether it is
/// serving the admin listener, a redirecting HTTP listener or a TLS listener, whatever the ports are.
/// </summary>
internal sealed class ListenerFeature(string name, ListenerKind kind, ListenOptions listenOptions, TlsEndpoint? tls = null)
{
    public string Name { get; } = name;

    public ListenerKind Kind { get; } = kind;

    /// <summary>The certificates and TLS settings per server name of an https listener; null otherwise.</summary>
    public TlsEndpoint? Tls { get; } = tls;

    /// <summary>Its entry in Kestrel's loader: the endpoint's name, or the admin listener's slot.</summary>
    public string Slot { get; init; } = name;

    /// <summary>The port actually bound (differs from the configured one when that was 0).</summary>
    public int BoundPort => listenOptions.IPEndPoint?.Port ?? 0;
}
