using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// Takes forwarded headers away from YARP on every route: its default X-Forwarded-* transforms are turned off
/// (and any a route configures are dropped; <c>check</c> WARNs) and ours runs last. Also decides the Host the
/// upstream sees: the client's, like nginx's <c>proxy_set_header Host $host</c>, Caddy and Apache
/// <c>ProxyPreserveHost On</c>, unless the route sets YARP's <c>RequestHeaderOriginalHost</c> itself.
/// </summary>
internal sealed class ForwardedHeadersTransformProvider(TrustedProxiesState state) : ITransformProvider
{
    private readonly ForwardedHeadersTransform _transform = new(state);

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.UseDefaultForwarders = false;
        var transforms = context.RequestTransforms;
        var hasHostPolicy = false;
        for (var i = transforms.Count - 1; i >= 0; i--)
        {
            switch (transforms[i])
            {
                case RequestHeaderXForwardedForTransform or RequestHeaderXForwardedHostTransform or RequestHeaderXForwardedProtoTransform
                    or RequestHeaderXForwardedPrefixTransform or RequestHeaderForwardedTransform:
                    transforms.RemoveAt(i);
                    break;
                case RequestHeaderOriginalHostTransform:
                    hasHostPolicy = true;
                    break;
            }
        }

        if (!hasHostPolicy)
        {
            context.AddOriginalHost(useOriginal: true);
        }

        transforms.Add(_transform);
    }
}
