namespace EdgeProxy.Tls;

/// <summary>What plain-HTTP listeners do (<c>EdgeProxy:HttpsRedirect</c>).</summary>
public sealed class HttpsRedirectOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:HttpsRedirect</c>.</summary>
    public const string SectionName = "EdgeProxy:HttpsRedirect";

    /// <summary>
    /// Default <c>true</c>: every request on an http listener gets a 308 to the same host and path on HTTPS.
    /// <c>false</c> proxies plain HTTP as it is (check WARNs); only for a TLS-terminating load balancer in front.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The HTTPS port clients should be sent to. Default: the port the first https listener is bound to.
    /// Set 443 when an outer load balancer maps 443 to EdgeProxy's 8443. 443 is left out of the URL.
    /// </summary>
    public int? Port { get; set; }
}
