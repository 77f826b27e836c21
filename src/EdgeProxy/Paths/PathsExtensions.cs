using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeProxy.Paths;

/// <summary>Registration of canonical paths: the pre-routing middleware and the upstream URL transform.</summary>
internal static class PathsExtensions
{
    public static IServiceCollection AddCanonicalPaths(this IServiceCollection services) =>
        services.AddSingleton<ITransformProvider, UpstreamPathTransformProvider>();

    /// <summary>Immediately before <c>UseRouting</c>: routes must match the canonical path.</summary>
    public static IApplicationBuilder UseCanonicalPaths(this IApplicationBuilder app) => app.UseMiddleware<CanonicalPathMiddleware>();
}
