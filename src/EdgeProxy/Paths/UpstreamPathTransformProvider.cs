using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeProxy.Paths;

/// <summary>Adds <see cref="UpstreamPathTransform"/> last on every route, after the route's own path transforms.</summary>
internal sealed class UpstreamPathTransformProvider : ITransformProvider
{
    private readonly UpstreamPathTransform _transform = new();

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) => context.RequestTransforms.Add(_transform);
}
