using Yarp.ReverseProxy.Transforms;

namespace EdgeProxy.Paths;

/// <summary>
/// Builds the upstream URL from the canonical path as the client spelled it (<see cref="PathReading.Upstream"/>),
/// so <c>%2F</c> arrives as <c>%2F</c>: YARP would escape the <c>%</c> of the decoded path (<c>%252F</c>). Runs last;
/// when a route's path transform changed the path, the segments it kept keep the client's spelling.
/// </summary>
internal sealed class UpstreamPathTransform : RequestTransform
{
    // The path is already valid and canonical: .NET's Uri must not unescape, compress or re-escape it.
    private static readonly UriCreationOptions Exact = new() { DangerousDisablePathAndQueryCanonicalization = true };

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        if (context.ProxyRequest.RequestUri is null && context.HttpContext.Features.Find<PathReading>() is { } reading)
        {
            var query = context.Query.QueryString;
            var prefix = context.DestinationPrefix.AsSpan().TrimEnd('/');
            context.ProxyRequest.RequestUri = new Uri(string.Concat(prefix, Spell(context.Path, reading), query.ToUriComponent()), Exact);
        }

        return default;
    }

    /// <summary>The client's spelling for the trailing segments the route kept; what a transform added, escaped.</summary>
    internal static string Spell(PathString path, PathReading reading)
    {
        if (path == reading.Routed)
        {
            return reading.Upstream;
        }

        var wanted = (path.Value ?? string.Empty).Split('/');
        var routed = reading.Routed.Value!.Split('/');
        var spelled = reading.Upstream.Split('/');
        var kept = 0;
        while (kept < wanted.Length - 1 && kept < routed.Length - 1 && wanted[^(kept + 1)] == routed[^(kept + 1)])
        {
            kept++;
        }

        var head = wanted[..^kept].Select(segment => PathEscaping.Escape(segment, keepEscapes: false));
        return string.Join('/', head.Concat(spelled[^kept..]));
    }
}
