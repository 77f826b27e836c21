using System.Net;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>One immutable, parsed version of <see cref="TrustedProxiesOptions"/>.</summary>
internal sealed record TrustedProxiesSnapshot(TrustedNetworks Networks, ForwardedSource Source, bool EmitForwarded)
{
    /// <summary>Validation refused bad entries before these options could exist; anything unparseable is left out (never trusted).</summary>
    public static TrustedProxiesSnapshot From(TrustedProxiesOptions options)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in options.Networks ?? [])
        {
            if (entry is not null && TrustedNetworks.TryParseNetwork(entry, out var network, out _))
            {
                networks.Add(network);
            }
        }

        return new TrustedProxiesSnapshot(new TrustedNetworks(networks), options.Source, options.EmitForwarded);
    }
}
