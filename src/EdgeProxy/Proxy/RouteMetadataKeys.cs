using System.Reflection;

namespace EdgeProxy.Proxy;

/// <summary>
/// Every <c>EdgeProxy.*</c> key a route's <c>Metadata</c> may carry. <c>check</c> refuses any other key with that
/// prefix: a misspelt <c>EdgeProxy.AlowFrom</c> would otherwise silently drop the allow-list. A capability that
/// reads a new route key adds its constant here.
/// </summary>
internal static class RouteMetadataKeys
{
    /// <summary>Stream mode (the built-in policy of that mode): Auto, Sse, Ndjson, WebSocket, Buffered.</summary>
    public const string Stream = "EdgeProxy.Stream";

    /// <summary>A stream policy by name (EdgeProxy:Streaming:Policies:&lt;name&gt;); its Mode decides, EdgeProxy.Stream may only agree.</summary>
    public const string StreamPolicy = "EdgeProxy.StreamPolicy";

    /// <summary>Client networks allowed on the route; everyone else gets 403.</summary>
    public const string AllowFrom = "EdgeProxy.AllowFrom";

    /// <summary>Owner of Strict-Transport-Security on the route.</summary>
    public const string Hsts = "EdgeProxy.Hsts";

    /// <summary>Client certificate requirement: Optional, Required, Ignore.</summary>
    public const string ClientCert = "EdgeProxy.ClientCert";

    /// <summary>Format the client certificate is forwarded in.</summary>
    public const string ClientCertForward = "EdgeProxy.ClientCert.Forward";

    /// <summary>Pass or Strip the client's Authorization header.</summary>
    public const string AuthorizationHeader = "EdgeProxy.AuthorizationHeader";

    /// <summary>Send X-Auth-Request-* identity headers from the token.</summary>
    public const string IdentityHeaders = "EdgeProxy.IdentityHeaders";

    /// <summary>Method-override headers (X-HTTP-Method-Override ...): Strip (default) or Allow.</summary>
    public const string MethodOverride = "EdgeProxy.MethodOverride";

    /// <summary>How an odd path spelling is treated: canonical (default) or AsSent.</summary>
    public const string Path = "EdgeProxy.Path";

    /// <summary>The cluster's TryDuration, for this route.</summary>
    public const string TryDuration = ClusterMetadataKeys.TryDuration;

    /// <summary>The cluster's MaxRetries, for this route.</summary>
    public const string MaxRetries = ClusterMetadataKeys.MaxRetries;

    public static IReadOnlyList<string> All { get; } = [.. typeof(RouteMetadataKeys).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!)];
}
