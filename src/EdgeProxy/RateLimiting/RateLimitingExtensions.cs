using Microsoft.AspNetCore.RateLimiting;

namespace EdgeProxy.RateLimiting;

/// <summary>Registration of the configured rate limits: ASP.NET Core's rate limiter, with EdgeProxy's policies by name.</summary>
internal static class RateLimitingExtensions
{
    /// <summary>
    /// Registers each policy of <c>EdgeProxy:RateLimiting:Policies</c> under its name (what YARP's route field
    /// <c>RateLimiterPolicy</c> names) and, when <c>DefaultPolicy</c> is set, ASP.NET Core's global limiter. Over a limit: 429.
    /// </summary>
    public static IServiceCollection AddRateLimitPolicies(this IServiceCollection services)
    {
        services.AddSingleton<RateLimitState>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<RateLimitState>((options, state) =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            foreach (var name in state.StartNames)
            {
                options.AddPolicy(name, new ConfiguredRateLimiterPolicy(name, state));
            }

            if (state.GlobalLimiter is { } global)
            {
                options.GlobalLimiter = global;
                options.OnRejected = (context, cancellationToken) => RateLimitRejection.WriteAsync(context, state.Current.Default?.Name ?? "-", state.Current.Default, cancellationToken);
            }
        });
        return services;
    }

    /// <summary>
    /// After routing and authorization (claims come from validated tokens), before the proxy: a refused request never
    /// reaches the upstream. Left out of the pipeline entirely when no policy was configured at start.
    /// </summary>
    public static IApplicationBuilder UseRateLimitPolicies(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<RateLimitState>().Enabled ? app.UseRateLimiter() : app;
}
