namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// The forwarded headers EdgeProxy reads from trusted peers and writes to upstreams. Every inbound copy, and every
/// other client-address header, is on the strip list (<see cref="RequestHeaders.KnownRequestHeaders"/>).
/// </summary>
internal static class IdentityHeaders
{
    public const string XForwardedFor = "X-Forwarded-For";
    public const string XForwardedProto = "X-Forwarded-Proto";
    public const string XForwardedHost = "X-Forwarded-Host";
    public const string XForwardedPort = "X-Forwarded-Port";
    public const string XForwardedPrefix = "X-Forwarded-Prefix";
    public const string Forwarded = "Forwarded";
    public const string XRealIp = "X-Real-IP";
}
