namespace EdgeProxy.RequestHeaders;

/// <summary>What a stripped request header claims; decides whether anything may ever let it through.</summary>
internal enum HeaderFamily
{
    /// <summary>Who the client is or how it reached us: address, scheme, host, port, geography.</summary>
    ClientAddress,

    /// <summary>Who the user is, as an authenticating proxy in front would say it.</summary>
    Identity,

    /// <summary>A client certificate, or a verdict on one.</summary>
    Certificate,

    /// <summary>A URL, path or host the app would serve instead of the one EdgeProxy routed.</summary>
    UrlOverride,

    /// <summary>A method the app would act on instead of the request's own (a route may keep these).</summary>
    MethodOverride,
}
