using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Net.Http.Headers;

namespace EdgeProxy.Framing;

internal static class FramingExtensions
{
    /// <summary>
    /// A <c>Content-Length</c> that is not plain digits gets 400 (HTTP/1.1, with <c>Connection: close</c>) or a
    /// stream reset (HTTP/2), from Kestrel, before any middleware. Every other header keeps Kestrel's default
    /// decoding: the selector answers null for them, which costs one delegate call per request header.
    /// </summary>
    public static void RequireDigitsOnlyContentLength(this KestrelServerOptions kestrel) =>
        kestrel.RequestHeaderEncodingSelector = static name =>
            ReferenceEquals(name, HeaderNames.ContentLength) || HeaderNames.ContentLength.Equals(name, StringComparison.OrdinalIgnoreCase) ? DigitsOnlyEncoding.Instance : null;
}
