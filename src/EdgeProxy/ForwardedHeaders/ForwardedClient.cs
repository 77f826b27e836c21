using System.Net;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// What a trusted peer told us about the original request, after the trust walk. Set as a request feature
/// only when the peer is trusted; for everyone else the connection and the listener are the whole truth.
/// Null members mean "not supplied by a trusted hop": EdgeProxy's own value applies.
/// </summary>
internal sealed class ForwardedClient(IPAddress client, string forwardedFor, string? proto, string? host, string? port, string? prefix, bool stoppedEarly = false)
{
    public IPAddress Client { get; } = client;

    /// <summary>The client and every trusted hop after it, ending with our TCP peer: the X-Forwarded-For we send.</summary>
    public string ForwardedFor { get; } = forwardedFor;

    /// <summary><c>http</c> or <c>https</c>.</summary>
    public string? Proto { get; } = proto;

    public string? Host { get; } = host;

    public string? Port { get; } = port;

    public string? Prefix { get; } = prefix;

    /// <summary>The walk ended at an unusable entry or at the hop limit, not at an untrusted address or the chain's start.</summary>
    public bool StoppedEarly { get; } = stoppedEarly;
}
