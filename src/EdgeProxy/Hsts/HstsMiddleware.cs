using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Hsts;

/// <summary>
/// Settles <c>Strict-Transport-Security</c> just before the response headers leave, whoever produced the
/// response (upstream, error page, redirect, 404, 413, 401/403): at most one header, from the chosen
/// owner, only over HTTPS.
/// </summary>
internal sealed partial class HstsMiddleware
{
    public const string RouteMetadataKey = Proxy.RouteMetadataKeys.Hsts;

    private readonly Func<object, Task> _applyCallback; // one per middleware, the context as its state: nothing allocated per request
    private readonly RequestDelegate _next;
    private readonly ILogger<HstsMiddleware> _logger;
    private readonly ConcurrentDictionary<string, byte> _warnedRoutes = new(StringComparer.Ordinal);
    private volatile HstsPolicies _policies;

    public HstsMiddleware(RequestDelegate next, IOptionsMonitor<HstsOptions> options, ILogger<HstsMiddleware> logger)
    {
        _next = next;
        _logger = logger;
        _applyCallback = state =>
        {
            Apply((HttpContext)state);
            return Task.CompletedTask;
        };
        _policies = new HstsPolicies(options.CurrentValue);
        options.OnChange(o => _policies = new HstsPolicies(o));
    }

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(_applyCallback, context);
        return _next(context);
    }

    private void Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        if (!context.Request.IsHttps)
        {
            headers.Remove(HeaderNames.StrictTransportSecurity); // never over plain HTTP, not even the upstream's
            return;
        }

        var policy = _policies.For(context.Request.Host.Host);
        var route = context.Features.Find<IReverseProxyFeature>()?.Route.Config;
        var owner = route?.Metadata?.TryGetValue(RouteMetadataKey, out var text) == true && Enum.TryParse<HstsOwner>(text, ignoreCase: true, out var routeOwner)
            ? routeOwner
            : policy.Owner;
        var upstream = headers.StrictTransportSecurity;

        var result = owner switch
        {
            HstsOwner.Proxy => policy.Value,
            HstsOwner.Upstream => FirstValid(upstream, route?.RouteId),
            HstsOwner.UpstreamOrProxy => FirstValid(upstream, route?.RouteId) ?? policy.Value,
            _ => null,
        };

        if (result is null)
        {
            headers.Remove(HeaderNames.StrictTransportSecurity);
        }
        else
        {
            headers.StrictTransportSecurity = result;
        }
    }

    private string? FirstValid(StringValues upstream, string? routeId)
    {
        if (upstream.Count == 0)
        {
            return null;
        }

        if (upstream.Count == 1 && upstream[0]!.IndexOf(',') < 0 && StsHeader.IsValid(upstream[0]))
        {
            return upstream[0];
        }

        // Duplicated, comma-joined or malformed: keep the first valid value, tell the operator once per route.
        string? first = null;
        foreach (var line in upstream)
        {
            foreach (var value in (line ?? string.Empty).Split(','))
            {
                if (first is null && StsHeader.IsValid(value))
                {
                    first = value.Trim();
                }
            }
        }

        if (_warnedRoutes.TryAdd(routeId ?? "-", 0))
        {
            Log.UpstreamNormalised(_logger, routeId ?? "-", upstream.ToString(), first ?? "(none)");
        }

        return first;
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.HstsUpstreamNormalised, LogLevel.Warning,
            "Route {RouteId}: the upstream sent a duplicated or malformed Strict-Transport-Security ({Upstream}); clients get {Sent}. Fix the upstream or set EdgeProxy:Hsts:Owner to Proxy. Logged once per route.")]
        public static partial void UpstreamNormalised(ILogger logger, string routeId, string upstream, string sent);
    }
}
