using System.Globalization;
using EdgeProxy.Configuration;

namespace EdgeProxy.Retries;

/// <summary>
/// The <see cref="RetryOptions"/> keys as YARP metadata: <c>EdgeProxy.&lt;Key&gt;</c> on a cluster (all of them)
/// or a route (<c>TryDuration</c> and <c>MaxRetries</c>: the others belong to the cluster's destinations).
/// </summary>
internal static class RetryMetadata
{
    public const string Prefix = "EdgeProxy.";

    public static readonly string[] ClusterKeys =
        [nameof(RetryOptions.TryDuration), nameof(RetryOptions.TryInterval), nameof(RetryOptions.MaxHeld), nameof(RetryOptions.MaxRetries), nameof(RetryOptions.MaxRetryBodySize)];

    public static readonly string[] RouteKeys = [nameof(RetryOptions.TryDuration), nameof(RetryOptions.MaxRetries)];

    /// <summary>
    /// A copy of <paramref name="basis"/> with the values <paramref name="read"/> finds for <paramref name="keys"/>
    /// (<c>null</c>: not set). A value that does not parse keeps the basis and is passed to <paramref name="bad"/>.
    /// </summary>
    public static RetryOptions Apply(RetryOptions basis, Func<string, string?> read, IEnumerable<string> keys, Action<string, string>? bad = null)
    {
        var result = new RetryOptions
        {
            TryDuration = basis.TryDuration,
            TryInterval = basis.TryInterval,
            MaxHeld = basis.MaxHeld,
            MaxRetries = basis.MaxRetries,
            MaxRetryBodySize = basis.MaxRetryBodySize,
        };
        foreach (var key in keys)
        {
            if (read(key) is not { } text)
            {
                continue;
            }

            if (!TrySet(result, key, text))
            {
                bad?.Invoke(key, key is nameof(RetryOptions.TryDuration) or nameof(RetryOptions.TryInterval)
                    ? Duration.Problem(text, "\"10s\", \"250ms\" or \"00:00:10\" (0 turns waiting off)")
                    : $"'{text}' is not a whole number");
            }
        }

        return result;
    }

    private static bool TrySet(RetryOptions options, string key, string text)
    {
        switch (key)
        {
            case nameof(RetryOptions.TryDuration) when Duration.TryParse(text, out var duration):
                options.TryDuration = duration;
                return true;
            case nameof(RetryOptions.TryInterval) when Duration.TryParse(text, out var interval):
                options.TryInterval = interval;
                return true;
            case nameof(RetryOptions.MaxHeld) when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var held):
                options.MaxHeld = held;
                return true;
            case nameof(RetryOptions.MaxRetries) when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var retries):
                options.MaxRetries = retries;
                return true;
            case nameof(RetryOptions.MaxRetryBodySize) when long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size):
                options.MaxRetryBodySize = size;
                return true;
            default:
                return false;
        }
    }
}
