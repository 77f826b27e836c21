using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Routing;

/// <summary>
/// Asks the route table which route another reading of the request would select (another path spelling, an
/// overriding method), without touching the request. A second routing middleware over the same endpoint data
/// sources, built with public APIs on a private pipeline on first use, matched against a separate HttpContext that
/// carries only what matching reads (method, scheme, host and headers, path, query).
/// </summary>
internal sealed class RouteProbe(IServiceProvider services, IEndpointRouteBuilder endpoints)
{
    private readonly Lazy<RequestDelegate> _match = new(() =>
    {
        var pipeline = new ApplicationBuilder(services);
        pipeline.UseRouting();
        pipeline.Run(static _ => Task.CompletedTask); // matching only: the endpoint is never run
        pipeline.UseEndpoints(routes =>
        {
            foreach (var source in endpoints.DataSources)
            {
                routes.DataSources.Add(source);
            }
        });
        return pipeline.Build();
    });

    /// <summary>The id of the YARP route the reading selects, or null when none (or only a 405 answer) would.</summary>
    public async Task<string?> RouteIdAsync(HttpContext context, string method, PathString path)
    {
        var request = context.Request;
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Method = method,
            Scheme = request.Scheme,
            Protocol = request.Protocol,
            PathBase = request.PathBase,
            Path = path,
            QueryString = request.QueryString.Value ?? string.Empty,
            Headers = request.Headers,
        });
        features.Set<IHttpResponseFeature>(new HttpResponseFeature());
        features.Set<IEndpointFeature>(new ProbeEndpoint());
        features.Set<IRouteValuesFeature>(new RouteValuesFeature());
        var probe = new DefaultHttpContext(features);
        await _match.Value(probe);
        return probe.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.RouteId;
    }

    private sealed class ProbeEndpoint : IEndpointFeature
    {
        public Endpoint? Endpoint { get; set; }
    }
}
