using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// Per-route <c>"EdgeProxy.AllowFrom": "10.0.0.0/8, 192.168.1.7"</c>: anyone else gets 403 before the request
/// is forwarded. Matches the resolved client (after the trust walk), not the TCP peer, so a route behind a
/// CDN can still be limited to an office network. Parsed once per route version, validated at load.
/// </summary>
internal sealed partial class ClientAllowlistMiddleware(RequestDelegate next, ILogger<ClientAllowlistMiddleware> logger)
{
    public const string MetadataKey = Proxy.RouteMetadataKeys.AllowFrom;

    // Route configs are immutable and replaced on reload, so the parsed list lives exactly as long as its route.
    private static readonly ConditionalWeakTable<RouteConfig, TrustedNetworks> Parsed = new();

    public Task InvokeAsync(HttpContext context)
    {
        var route = context.ProxyFeature().Route.Config;
        if (route.Metadata is null || !route.Metadata.ContainsKey(MetadataKey))
        {
            return next(context);
        }

        var allowed = Parsed.GetValue(route, static r => TrustedNetworks.Parse(r.Metadata![MetadataKey], errors: null));
        var client = context.Connection.RemoteIpAddress;
        if (allowed.Contains(client))
        {
            return next(context);
        }

        Log.Denied(logger, client?.ToString() ?? "-", route.RouteId);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync("403 Forbidden: this route is not open to your address\n");
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.AllowFromDenied, LogLevel.Information, "Client {ClientIp} refused by EdgeProxy.AllowFrom of route {RouteId}")]
        public static partial void Denied(ILogger logger, string clientIp, string routeId);
    }
}
