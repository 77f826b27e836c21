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

    /// <summary>
    /// Host names the admin listener answers to besides IP addresses and <c>localhost</c>: exact names
    /// (<c>edgeproxy</c>, the name Prometheus scrapes in a Compose file) or <c>*.</c> followed by a domain for its
    /// subdomains (<c>*.monitoring.svc.cluster.local</c>); <c>*</c> answers every name. Any other Host gets 421
    /// naming this key: a web page that points its own name at the proxy's address (DNS rebinding) would otherwise
    /// read <c>/metrics</c>, <c>/status.json</c> and <c>/acme</c> from a browser on the same host or network, since
    /// the admin listener has no authentication. Kubernetes probes and Prometheus' service discovery use the pod's
    /// IP address and need nothing here. Default: none. Reloaded with the file.
    /// </summary>
    public string[] AllowedHosts { get; set; } = [];
}
