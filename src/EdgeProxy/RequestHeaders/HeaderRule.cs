namespace EdgeProxy.RequestHeaders;

/// <summary>What the inbound pass does with one header, and why.</summary>
internal readonly record struct HeaderRule(HeaderFamily Family, HeaderAction Action);

internal enum HeaderAction
{
    /// <summary>Removed from every request, trusted peer or not.</summary>
    Strip,

    /// <summary>Removed unless the TCP peer is in <c>EdgeProxy:TrustedProxies:Networks</c> (<c>AcceptFromTrustedProxies</c>).</summary>
    StripUnlessTrusted,

    /// <summary>Removed, and given back only on a route whose <c>EdgeProxy.MethodOverride</c> allows it.</summary>
    MethodOverride,
}
