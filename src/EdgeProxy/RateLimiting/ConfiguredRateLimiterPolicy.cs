using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace EdgeProxy.RateLimiting;

/// <summary>
/// The ASP.NET Core policy registered under one configured name at start. It reads the policy from the current snapshot
/// on each request, so its limits reload with the file.
/// </summary>
internal sealed class ConfiguredRateLimiterPolicy(string name, RateLimitState state) : IRateLimiterPolicy<RateLimitKey>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = (context, cancellationToken) => RateLimitRejection.WriteAsync(context, name, state.Current.Policies.GetValueOrDefault(name), cancellationToken);

    public RateLimitPartition<RateLimitKey> GetPartition(HttpContext httpContext) =>
        state.Current.Policies.TryGetValue(name, out var policy)
            ? policy.Partition(httpContext)
            : RateLimitPartition.GetNoLimiter(RateLimitKey.Unlimited); // removed by a reload while a route still named it: validation refuses that, so only in a race
}
