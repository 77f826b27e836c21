namespace EdgeProxy.Streaming;

/// <summary>Why the proxy, not a peer, ended an exchange.</summary>
internal enum StreamEnd
{
    None,
    IdleTimeout,
    RequestTimeout,
    MaxDuration,
    Shutdown,
}
