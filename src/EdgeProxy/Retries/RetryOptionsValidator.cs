using EdgeProxy.Configuration;

namespace EdgeProxy.Retries;

/// <summary>
/// The ranges of <see cref="RetryOptions"/>, for the bound <c>EdgeProxy:Retries</c> and (through
/// <see cref="RetryRouteCheck"/>) every cluster's and route's metadata: one set of rules whatever the level, each
/// problem naming its key.
/// </summary>
internal sealed class RetryOptionsValidator(IConfiguration configuration) : OptionsValidator<RetryOptions>
{
    public static readonly TimeSpan LongestTryDuration = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ShortestTryInterval = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan LongestTryInterval = TimeSpan.FromSeconds(10);
    public const int MostHeld = 100_000;
    public const int MostRetries = 10;
    public const long LargestRetryBody = 16 * 1024 * 1024;

    public override void Check(RetryOptions options, ConfigReport report)
    {
        var problems = Problems(options, RetryOptions.SectionName + ":").ToList();
        foreach (var (key, message) in problems)
        {
            report.Fail(key, message);
        }

        if (problems.Count == 0 && configuration.GetSection(RetryOptions.SectionName).Exists())
        {
            report.Ok(RetryOptions.SectionName, Describe(options));
        }
    }

    public static string Describe(RetryOptions o) =>
        (o.TryDuration > TimeSpan.Zero ? $"requests wait up to {Duration.Show(o.TryDuration)} for a destination (probe every {o.TryInterval.Value.TotalMilliseconds}ms, at most {o.MaxHeld} per cluster)" : "requests never wait")
        + (o.MaxRetries > 0 ? $"; idempotent requests sent again up to {o.MaxRetries} time(s), bodies up to {o.MaxRetryBodySize} bytes" : "; never sent twice");

    /// <summary>Every out-of-range value; <paramref name="prefix"/> makes the key (<c>EdgeProxy:Retries:</c> or a metadata path ending in <c>EdgeProxy.</c>).</summary>
    public static IEnumerable<(string Key, string Message)> Problems(RetryOptions options, string prefix)
    {
        if (options.TryDuration < TimeSpan.Zero || options.TryDuration > LongestTryDuration)
        {
            yield return (prefix + nameof(RetryOptions.TryDuration), $"{Duration.Show(options.TryDuration)} is outside 0 (off) to {Duration.Show(LongestTryDuration)}; clients give up long before");
        }

        if (options.TryInterval < ShortestTryInterval || options.TryInterval > LongestTryInterval)
        {
            yield return (prefix + nameof(RetryOptions.TryInterval), $"{Duration.Show(options.TryInterval)} is outside {ShortestTryInterval.TotalMilliseconds}ms to {LongestTryInterval.TotalSeconds}s");
        }

        if (options.MaxHeld is < 1 or > MostHeld)
        {
            yield return (prefix + nameof(RetryOptions.MaxHeld), $"{options.MaxHeld} is outside 1 to {MostHeld}; TryDuration 0 turns waiting off");
        }

        if (options.MaxRetries is < 0 or > MostRetries)
        {
            yield return (prefix + nameof(RetryOptions.MaxRetries), $"{options.MaxRetries} is outside 0 (never) to {MostRetries}");
        }

        if (options.MaxRetryBodySize is < 0 or > LargestRetryBody)
        {
            yield return (prefix + nameof(RetryOptions.MaxRetryBodySize), $"{options.MaxRetryBodySize} is outside 0 to {LargestRetryBody} bytes");
        }
    }
}
