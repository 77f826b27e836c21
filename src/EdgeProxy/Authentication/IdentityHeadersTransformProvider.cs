using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeProxy.Authentication;

/// <summary>Adds <see cref="IdentityHeadersTransform"/> to the routes whose metadata asks for identity headers or strips Authorization.</summary>
internal sealed class IdentityHeadersTransformProvider(EdgeProxyAuthenticationOptions options, ILoggerFactory loggers) : ITransformProvider
{
    private readonly ILogger _logger = loggers.CreateLogger<IdentityHeadersTransform>();

    public void ValidateRoute(TransformRouteValidationContext context)
    {
        var metadata = context.Route.Metadata;
        if (metadata?.TryGetValue(IdentityHeaders.AuthorizationHeaderKey, out var header) == true && !IdentityHeaders.TryParseAuthorizationHeader(header, out _))
        {
            context.Errors.Add(new ArgumentException($"{IdentityHeaders.AuthorizationHeaderKey}: '{header}' is not Pass or Strip"));
        }

        if (metadata?.TryGetValue(IdentityHeaders.IdentityHeadersKey, out var identity) == true && !bool.TryParse(identity, out _))
        {
            context.Errors.Add(new ArgumentException($"{IdentityHeaders.IdentityHeadersKey}: '{identity}' is not true or false"));
        }
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        var metadata = context.Route.Metadata;
        var strip = IdentityHeaders.TryParseAuthorizationHeader(metadata?.GetValueOrDefault(IdentityHeaders.AuthorizationHeaderKey), out var parsed) && parsed;
        var identity = bool.TryParse(metadata?.GetValueOrDefault(IdentityHeaders.IdentityHeadersKey), out var set) && set;
        if (strip || identity)
        {
            context.RequestTransforms.Add(new IdentityHeadersTransform(strip, identity, options.Jwt, _logger));
        }
    }
}
