using System.Globalization;
using EdgeProxy.Configuration;

namespace EdgeProxy.Retries;

/// <summary>
/// Validates <c>EdgeProxy:Retries</c> and every cluster's and route's <c>EdgeProxy.&lt;Key&gt;</c> retry metadata
/// in one pass, each problem under its full key; and warns where a route's own Timeout would end the wait first.
/// </summary>
internal static class RetryConfigValidator
{
    public static void Validate(IConfiguration config, ConfigReport report)
    {
        var section = ReadSection(config, report);
        var clusters = new Dictionary<string, RetryOptions>(StringComparer.OrdinalIgnoreCase);
        foreach (var cluster in config.GetSection("ReverseProxy:Clusters").GetChildren())
        {
            var metadata = cluster.GetSection("Metadata");
            foreach (var key in metadata.GetChildren().Select(c => c.Key).Where(k => k.StartsWith(RetryMetadata.Prefix, StringComparison.Ordinal)))
            {
                if (!RetryMetadata.ClusterKeys.Contains(key[RetryMetadata.Prefix.Length..]))
                {
                    report.Fail($"{metadata.Path}:{key}", $"unknown cluster key; a cluster takes {string.Join(", ", RetryMetadata.ClusterKeys.Select(k => RetryMetadata.Prefix + k))}");
                }
            }

            clusters[cluster.Key] = ReadLevel(section, metadata, RetryMetadata.ClusterKeys, report);
        }

        foreach (var route in config.GetSection("ReverseProxy:Routes").GetChildren())
        {
            var metadata = route.GetSection("Metadata");
            foreach (var key in RetryMetadata.ClusterKeys.Except(RetryMetadata.RouteKeys).Where(k => metadata[RetryMetadata.Prefix + k] is not null))
            {
                report.Fail($"{metadata.Path}:{RetryMetadata.Prefix}{key}", "is set per cluster (its destinations are shared by every route); move it to the cluster's Metadata");
            }

            var basis = route["ClusterId"] is { } id && clusters.TryGetValue(id, out var c) ? c : section;
            var effective = ReadLevel(basis, metadata, RetryMetadata.RouteKeys, report);
            if (effective.TryDuration > TimeSpan.Zero && TimeSpan.TryParse(route["Timeout"], CultureInfo.InvariantCulture, out var timeout) && timeout <= effective.TryDuration)
            {
                report.Warn(route.Path + ":Timeout", $"{timeout} is not longer than TryDuration {effective.TryDuration}: a request waiting for a destination ends at the route Timeout with 504, before the wait could end");
            }
        }
    }

    /// <summary>The section alone, defaults where a key is missing or bad (bad ones are reported).</summary>
    public static RetryOptions ReadSection(IConfiguration config, ConfigReport report)
    {
        var section = config.GetSection(RetryOptions.SectionName);
        foreach (var child in section.GetChildren().Where(c => !RetryMetadata.ClusterKeys.Contains(c.Key, StringComparer.OrdinalIgnoreCase)))
        {
            report.Fail(child.Path, $"unknown key; {RetryOptions.SectionName} takes {string.Join(", ", RetryMetadata.ClusterKeys)}");
        }

        var before = report.Failures.Count();
        var options = RetryMetadata.Apply(new RetryOptions(), key => section[key], RetryMetadata.ClusterKeys, (key, message) => report.Fail($"{section.Path}:{key}", message));
        foreach (var (key, message) in RetryOptionsValidator.Problems(options, section.Path + ":"))
        {
            report.Fail(key, message);
        }

        if (report.Failures.Count() == before && section.Exists())
        {
            report.Ok(section.Path, Describe(options));
        }

        return options;
    }

    public static string Describe(RetryOptions o) =>
        (o.TryDuration > TimeSpan.Zero ? $"requests wait up to {o.TryDuration} for a destination (probe every {o.TryInterval.TotalMilliseconds}ms, at most {o.MaxHeld} per cluster)" : "requests never wait")
        + (o.MaxRetries > 0 ? $"; idempotent requests sent again up to {o.MaxRetries} time(s), bodies up to {o.MaxRetryBodySize} bytes" : "; never sent twice");

    /// <summary>One level's metadata over its basis: bad values and out-of-range values reported under the metadata key.</summary>
    private static RetryOptions ReadLevel(RetryOptions basis, IConfigurationSection metadata, string[] keys, ConfigReport report)
    {
        var prefix = $"{metadata.Path}:{RetryMetadata.Prefix}";
        var options = RetryMetadata.Apply(basis, key => metadata[RetryMetadata.Prefix + key], keys, (key, message) => report.Fail(prefix + key, message));
        foreach (var (key, message) in RetryOptionsValidator.Problems(options, prefix))
        {
            if (metadata[key[(metadata.Path.Length + 1)..]] is not null)
            {
                report.Fail(key, message); // only what this level sets: the section's own problems are reported once, under its key
            }
        }

        return options;
    }
}
