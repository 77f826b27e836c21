namespace EdgeProxy.Admin;

/// <summary>The admin listener (<c>EdgeProxy:Admin</c>): health, readiness and metrics, never proxied traffic.</summary>
public sealed class AdminOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:Admin</c>.</summary>
    public const string SectionName = "EdgeProxy:Admin";

    /// <summary>
    /// Semicolon-separated plain-HTTP URLs. Default <c>http://127.0.0.1:9901</c> (loopback only). In a
    /// container bind <c>http://*:9901</c> and keep the port off the public network: it has no authentication.
    /// Empty disables the admin listener.
    /// </summary>
    public string Urls { get; set; } = "http://127.0.0.1:9901";
}
