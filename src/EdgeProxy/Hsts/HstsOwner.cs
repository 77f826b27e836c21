namespace EdgeProxy.Hsts;

/// <summary>Who owns <c>Strict-Transport-Security</c> on HTTPS responses.</summary>
public enum HstsOwner
{
    /// <summary>Remove whatever the upstream sends; send EdgeProxy's header. The default.</summary>
    Proxy,

    /// <summary>Pass the upstream's header through (first valid value only); send none of our own.</summary>
    Upstream,

    /// <summary>Keep the upstream's header when it sends a valid one, otherwise send EdgeProxy's.</summary>
    UpstreamOrProxy,

    /// <summary>Remove every STS header.</summary>
    Off,
}
