using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.RateLimiting;

/// <summary>
/// The 429 a refused request gets, before anything is sent upstream: <c>Retry-After</c> in whole seconds from the limiter
/// (a window's or a refill period's length: the latest time a retry succeeds, a sliding window's too though its lease
/// names none; a concurrency limit knows none and says 1),
/// a one-line body naming the route and the policy, and a feature the access log reads to name the policy.
/// </summary>
internal static class RateLimitRejection
{
    public static async ValueTask WriteAsync(OnRejectedContext rejected, string policy, RateLimitPolicy? settings, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var given) ? given : settings?.FallbackRetryAfter ?? TimeSpan.Zero;
        var retryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
        var route = context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.RouteId;
        context.Features.Set(new RateLimitRefusal(policy));
        var response = context.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        response.ContentType = "text/plain; charset=utf-8";
        var what = route is null ? "a path no route matches" : $"route '{route}'";
        await response.WriteAsync($"429 Too Many Requests: {what} is limited by policy '{policy}'; retry after {retryAfter} s\n", cancellationToken);
    }
}
