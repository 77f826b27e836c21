using EdgeProxy.Configuration;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Proxy;

/// <summary>
/// Validates the standard YARP <c>ReverseProxy</c> section without starting anything: YARP's own binder and
/// validator (match patterns, policies, load balancing), plus what YARP only finds per request (a route
/// naming an unknown cluster, a destination that is not an absolute http(s) URL) and health checks that never run.
/// Its values (durations, switches, numbers) were read by <see cref="ValueCheck"/> first, as YARP reads them: a value
/// YARP's reader would throw on is a FAIL naming its key, and is left out of what YARP is given here.
/// </summary>
internal static class ReverseProxyConfigValidator
{
    public const string SectionName = "ReverseProxy";

    /// <summary>Returns the routes and clusters as YARP read them, for the per-route EdgeProxy checks; none when the section cannot be read.</summary>
    public static ProxyConfigRead Validate(IConfiguration config, ConfigReport report, Action<IServiceCollection>? addPolicies = null)
    {
        var section = config.GetSection(SectionName);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddRouting();
        services.AddAuthorization();
        services.AddCors();
        services.AddRequestTimeouts();
        addPolicies?.Invoke(services);
        services.AddReverseProxy().LoadFromConfig(section);
        using var provider = services.BuildServiceProvider();

        IProxyConfig proxyConfig;
        try
        {
            proxyConfig = provider.GetRequiredService<IProxyConfigProvider>().GetConfig();
        }
        catch (Exception ex)
        {
            report.Fail(SectionName, ex.InnerException?.Message ?? ex.Message);
            return ProxyConfigRead.None;
        }

        var validator = provider.GetRequiredService<IConfigValidator>();
        var clusters = proxyConfig.Clusters.ToDictionary(c => c.ClusterId, StringComparer.OrdinalIgnoreCase);
        var valid = new List<RouteConfig>();
        foreach (var route in proxyConfig.Routes)
        {
            var key = $"{SectionName}:Routes:{route.RouteId}";
            var problems = validator.ValidateRouteAsync(route).AsTask().GetAwaiter().GetResult();
            foreach (var problem in problems)
            {
                report.Fail(key, problem.Message);
            }

            if (string.IsNullOrEmpty(route.ClusterId))
            {
                report.Fail(key + ":ClusterId", "missing; name one of ReverseProxy:Clusters");
            }
            else if (!clusters.ContainsKey(route.ClusterId))
            {
                report.Fail(key + ":ClusterId", $"cluster '{route.ClusterId}' is not defined under ReverseProxy:Clusters");
            }
            else if (problems.Count == 0)
            {
                report.Ok(key, $"{Describe(route.Match)} -> {route.ClusterId}");
            }

            if (problems.Count == 0)
            {
                valid.Add(route);
            }
        }

        RouteOverlapCheck.Check(valid, report);

        foreach (var cluster in proxyConfig.Clusters)
        {
            var key = $"{SectionName}:Clusters:{cluster.ClusterId}";
            var problems = validator.ValidateClusterAsync(cluster).AsTask().GetAwaiter().GetResult();
            foreach (var problem in problems)
            {
                report.Fail(key, problem.Message);
            }

            HealthCheckConfigValidator.Validate(cluster, report);
            if (cluster.Destinations is not { Count: > 0 })
            {
                report.Warn(key + ":Destinations", "no destinations: every request routed here gets 503");
            }

            foreach (var (name, destination) in cluster.Destinations ?? new Dictionary<string, DestinationConfig>())
            {
                CheckAddress(destination.Address, $"{key}:Destinations:{name}:Address", report);
            }

            if (problems.Count == 0)
            {
                report.Ok(key, $"{cluster.Destinations?.Count ?? 0} destination(s)");
            }
        }

        return new ProxyConfigRead(proxyConfig.Routes, proxyConfig.Clusters);
    }

    private static void CheckAddress(string? address, string key, ConfigReport report)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            report.Fail(key, $"'{address}' is not an absolute http:// or https:// URL");
        }
    }

    internal static string Describe(RouteMatch match)
    {
        var hosts = match.Hosts is { Count: > 0 } h ? string.Join(',', h) : "*";
        return $"host {hosts} path {match.Path ?? "{**catch-all}"}";
    }
}
