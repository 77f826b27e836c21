using EdgeProxy.Tls;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// Adds the certificate headers to the upstream request in the route's format (route metadata, then the
/// listener's default, then the global one). Inbound copies were already removed by the inbound header pass.
/// </summary>
internal sealed class ClientCertificateTransformProvider(IOptionsMonitor<ClientCertificateOptions> options) : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        if (context.Route is not { } route || RouteClientCertificatePolicy.Requirement(route) == ClientCertRequirement.Ignore)
        {
            return;
        }

        var routeFormat = RouteClientCertificatePolicy.Forward(route);
        context.AddRequestTransform(async transform =>
        {
            var settings = options.CurrentValue;
            var listener = transform.HttpContext.Features.Find<ListenerFeature>()?.Name;
            var format = routeFormat
                ?? (listener is not null && settings.Endpoints.TryGetValue(listener, out var endpoint) ? endpoint.Forward : null)
                ?? settings.Forward;
            if (format == ForwardFormat.None)
            {
                return;
            }

            var state = transform.HttpContext.Features.Find<ClientCertificateState>() ?? ClientCertificateState.NotPresented;
            var verdict = await state.Verdict;
            var appendTo = settings.XfccMode == XfccMode.AppendForward ? transform.HttpContext.Features.Find<TrustedXfcc>()?.Value : null;
            new CertificateHeaderWriter(settings.HeaderNames).Write(format, state, verdict, transform.ProxyRequest.Headers, appendTo);
        });
    }
}
