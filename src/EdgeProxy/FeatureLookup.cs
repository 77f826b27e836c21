using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy;

/// <summary>
/// Feature lookups on the per-request path through the collection's <see cref="Type"/> indexer. Kestrel's generic
/// <c>Get&lt;T&gt;</c> is a generic virtual method with shared code for reference types: every call resolves the
/// method, the type's handle and its <see cref="Type"/> object at run time before the same walk the indexer does (the
/// request's features, then the connection's). Inlined here, <c>typeof(T)</c> is a constant and the indexer an
/// ordinary interface call: about 40 % less time per lookup on a Kestrel request, the same result. EdgeProxy's
/// ~20 lookups per proxied request took 2.4 % of its CPU on HTTP/2, 1.55 % this way (bench/README.md, *What was tried*).
/// </summary>
internal static class FeatureLookup
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T? Find<T>(this IFeatureCollection features)
        where T : class => features[typeof(T)] as T;

    /// <summary>YARP's <c>GetReverseProxyFeature</c> through <see cref="Find{T}"/>: the route's feature, which every proxied request has.</summary>
    public static IReverseProxyFeature ProxyFeature(this HttpContext context) =>
        context.Features.Find<IReverseProxyFeature>() ?? throw new InvalidOperationException($"{nameof(IReverseProxyFeature)} is missing: the request is not on a proxied route.");
}
