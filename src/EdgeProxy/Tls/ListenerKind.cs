namespace EdgeProxy.Tls;

internal enum ListenerKind
{
    /// <summary>A public plain-HTTP listener: redirects to HTTPS.</summary>
    Http,

    /// <summary>A public TLS listener: proxies.</summary>
    Https,

    /// <summary>The admin listener: health, readiness, metrics; never proxies.</summary>
    Admin,
}
