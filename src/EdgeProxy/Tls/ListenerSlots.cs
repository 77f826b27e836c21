using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgeProxy.Tls;

/// <summary>
/// The configuration a Kestrel server's own loader is given (the host's, and the admin server's): one
/// <c>Endpoints:&lt;name&gt;</c> entry per listener with its address
/// (always http://: TLS is ours, added by <see cref="ListenerBinder"/>) and a fingerprint of everything EdgeProxy sets
/// up on it. Kestrel rebinds an endpoint whose entry changed, and only that one, exactly as it does for its own
/// <c>Kestrel:Endpoints</c> on reload; connections on the other listeners never notice.
/// </summary>
internal sealed class ListenerSlots : ConfigurationProvider, IConfigurationSource
{
    /// <summary>The admin listener's entries; a '~' keeps them apart from any endpoint name an operator writes.</summary>
    public const string AdminPrefix = "~admin";

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    /// <summary>
    /// Kestrel's entries for the public listeners of <paramref name="plan"/>, or for the admin listener's addresses when
    /// <paramref name="admin"/>; true (and Kestrel is told) when they differ from the last ones.
    /// </summary>
    public bool Publish(ListenerPlan plan, bool admin, Func<string, string> extra)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (admin)
        {
            for (var i = 0; i < plan.AdminAddresses.Count; i++)
            {
                var slot = AdminSlot(i);
                Add(data, slot, plan.AdminAddresses[i], "admin" + extra(slot));
            }
        }
        else
        {
            foreach (var endpoint in plan.Endpoints)
            {
                Add(data, endpoint.Name, endpoint.Address, Fingerprint(endpoint, extra(endpoint.Name)));
            }
        }

        if (Data.Count == data.Count && data.All(kv => Data.TryGetValue(kv.Key, out var value) && value == kv.Value))
        {
            return false;
        }

        Data = data;
        OnReload();
        return true;
    }

    public static IEnumerable<string> Names(ListenerPlan plan, bool admin) => admin
        ? plan.AdminAddresses.Select((_, i) => AdminSlot(i))
        : plan.Endpoints.Select(e => e.Name);

    /// <summary>The slot of the admin listener's <paramref name="index"/>th address.</summary>
    public static string AdminSlot(int index) => AdminPrefix + index.ToString(CultureInfo.InvariantCulture);

    private static void Add(Dictionary<string, string?> data, string name, BindingAddress address, string fingerprint)
    {
        data[$"Endpoints:{name}:Url"] = $"http://{address.Host}:{address.Port.ToString(CultureInfo.InvariantCulture)}";
        data[$"Endpoints:{name}:EdgeProxy"] = fingerprint;
    }

    /// <summary>
    /// Everything the listener is built from: address, protocols, TLS settings and certificate files of the endpoint and
    /// its SNI names, and what other sections decide for it (PROXY protocol). Hashed: a PFX password stays out of it.
    /// </summary>
    private static string Fingerprint(EndpointSpec endpoint, string extra)
    {
        var text = new StringBuilder().Append(endpoint.Address).Append('|').Append(endpoint.Protocols).Append('|').Append(endpoint.Tls).Append('|').Append(extra);
        foreach (var sni in endpoint.Sni)
        {
            text.Append('|').Append(sni.Host).Append('=').Append(sni.Tls);
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
