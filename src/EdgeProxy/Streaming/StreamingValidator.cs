using System.Globalization;
using EdgeProxy.Configuration;

namespace EdgeProxy.Streaming;

/// <summary>
/// Validates <c>EdgeProxy:Streaming</c> and every route's <c>EdgeProxy.Stream</c> metadata in one pass,
/// reporting every problem with its full key, and returns the policies it resolved.
/// </summary>
internal static class StreamingValidator
{
    private const string Off = "off";

    /// <summary>YARP stores ActivityTimeout as int milliseconds; stay well inside that.</summary>
    private static readonly TimeSpan Longest = TimeSpan.FromDays(20);

    public static StreamingSettings Validate(IConfiguration config, ConfigReport report)
    {
        var policies = new Dictionary<string, StreamPolicy>(StringComparer.OrdinalIgnoreCase);
        // An operator's Kestrel:Limits:MaxRequestBodySize is the body limit of every policy that sets none:
        // the streaming layer sets the limit per request and would otherwise silently replace it.
        long? kestrelLimit = long.TryParse(config["Kestrel:Limits:MaxRequestBodySize"], out var limit) ? limit : null;
        foreach (var preset in StreamingSettings.Presets.Values)
        {
            var basis = kestrelLimit is { } bytes ? preset with { MaxRequestBodySize = bytes } : preset;
            var policy = ReadPolicy(config.GetSection($"{StreamingSettings.PoliciesKey}:{preset.Name}"), basis, report);
            CheckPolicy(policy, report);
            policies[preset.Name] = policy;
        }

        var settings = new StreamingSettings(policies);
        ValidateRoutes(config, settings, report);
        return settings;
    }

    private static StreamPolicy ReadPolicy(IConfigurationSection section, StreamPolicy preset, ConfigReport report)
    {
        return preset with
        {
            IdleTimeout = ReadDuration(section, nameof(StreamPolicy.IdleTimeout), preset.IdleTimeout, report),
            MaxDuration = ReadDuration(section, nameof(StreamPolicy.MaxDuration), preset.MaxDuration, report),
            RequestTimeout = ReadDuration(section, nameof(StreamPolicy.RequestTimeout), preset.RequestTimeout, report),
            Heartbeat = ReadDuration(section, nameof(StreamPolicy.Heartbeat), preset.Heartbeat, report),
            MaxRequestBodySize = ReadSize(section, nameof(StreamPolicy.MaxRequestBodySize), preset.MaxRequestBodySize, report),
        };
    }

    private static void CheckPolicy(StreamPolicy policy, ConfigReport report)
    {
        var key = $"{StreamingSettings.PoliciesKey}:{policy.Name}";
        var before = report.Findings.Count(f => f.Severity == Severity.Fail);
        if (policy.IsStream && policy.RequestTimeout is { } total)
        {
            report.Fail(key + ":RequestTimeout", $"{Duration.Show(total)} would cut every {policy.Name} stream after that long, however busy; streams are limited by IdleTimeout and MaxDuration. Remove the key or set it to \"off\"");
        }

        if (policy.IdleTimeout is { } idle && policy.MaxDuration is { } max && idle > max)
        {
            report.Fail(key + ":IdleTimeout", $"{Duration.Show(idle)} is longer than MaxDuration {Duration.Show(max)}, so it can never apply; lower IdleTimeout or raise MaxDuration");
        }

        if (policy.Heartbeat is { } beat)
        {
            if (policy.Name is StreamingSettings.Buffered or StreamingSettings.Ndjson)
            {
                report.Warn(key + ":Heartbeat", $"ignored: heartbeats exist for Sse (comment lines) and WebSocket (ping frames); NDJSON has no safe filler line");
            }
            else if (policy.IdleTimeout is { } idleLimit && beat >= idleLimit)
            {
                report.Warn(key + ":Heartbeat", $"{Duration.Show(beat)} is not shorter than IdleTimeout {Duration.Show(idleLimit)}: the idle limit (which heartbeats do not reset) ends the stream first");
            }
        }

        if (report.Findings.Count(f => f.Severity == Severity.Fail) == before)
        {
            report.Ok(key, Describe(policy));
        }
    }

    private static void ValidateRoutes(IConfiguration config, StreamingSettings settings, ConfigReport report)
    {
        foreach (var route in config.GetSection("ReverseProxy:Routes").GetChildren())
        {
            var key = $"{route.Path}:Metadata:{StreamRouteMetadata.Key}";
            var raw = route[$"Metadata:{StreamRouteMetadata.Key}"];
            if (!StreamRouteMetadata.TryParse(raw, out var mode))
            {
                report.Fail(key, $"'{raw}' is not a stream mode; use Auto (default), Sse, Ndjson, WebSocket or Buffered");
                continue;
            }

            if (mode is StreamMode.Sse or StreamMode.Ndjson or StreamMode.WebSocket)
            {
                var timeout = route["Timeout"];
                var timeoutPolicy = route["TimeoutPolicy"];
                if (!string.IsNullOrEmpty(timeout))
                {
                    report.Fail(route.Path + ":Timeout", $"route '{route.Key}' is a {mode} route; a total Timeout of {timeout} would cut its streams however busy they are. Remove it and use EdgeProxy:Streaming:Policies:{settings.ForRoute(mode).Name}:IdleTimeout or MaxDuration");
                }

                if (!string.IsNullOrEmpty(timeoutPolicy) && !string.Equals(timeoutPolicy, "Disable", StringComparison.OrdinalIgnoreCase))
                {
                    report.Fail(route.Path + ":TimeoutPolicy", $"route '{route.Key}' is a {mode} route; timeout policy '{timeoutPolicy}' is a total timeout that would cut its streams. Remove it and use EdgeProxy:Streaming:Policies:{settings.ForRoute(mode).Name}:IdleTimeout or MaxDuration");
                }
            }
        }
    }

    private static TimeSpan? ReadDuration(IConfigurationSection section, string name, TimeSpan? fallback, ConfigReport report)
    {
        var raw = section[name];
        if (raw is null)
        {
            return fallback;
        }

        if (raw.Length == 0 || string.Equals(raw.Trim(), Off, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var key = $"{section.Path}:{name}";
        if (!Duration.TryParse(raw, out var value))
        {
            report.Fail(key, Duration.Problem(raw, "\"30s\", \"5m\", \"24h\", \"00:00:30\" or \"off\""));
            return fallback;
        }

        if (value <= TimeSpan.Zero)
        {
            report.Fail(key, $"'{raw}' must be positive; use \"off\" to switch it off");
            return fallback;
        }

        if (value > Longest)
        {
            report.Fail(key, $"'{raw}' is longer than {Longest.TotalDays} days; use \"off\" for no limit");
            return fallback;
        }

        return value;
    }

    private static long? ReadSize(IConfigurationSection section, string name, long? fallback, ConfigReport report)
    {
        var raw = section[name];
        if (raw is null)
        {
            return fallback;
        }

        var key = $"{section.Path}:{name}";
        if (raw.Length == 0 || string.Equals(raw.Trim(), Off, StringComparison.OrdinalIgnoreCase))
        {
            report.Warn(key, "off: request bodies of any size reach the upstream on these routes");
            return null;
        }

        if (!TryParseSize(raw, out var bytes) || bytes <= 0)
        {
            report.Fail(key, $"'{raw}' is not a size; use bytes (\"52428800\"), \"50MB\" (50 x 1024 x 1024 like nginx's 50M), \"1GB\" or \"off\"");
            return fallback;
        }

        return bytes;
    }

    internal static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        text = text.Trim();
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        if (digits == 0 || !long.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        long? multiplier = text[digits..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            _ => null,
        };
        if (multiplier is null || number > long.MaxValue / multiplier.Value)
        {
            return false;
        }

        bytes = number * multiplier.Value;
        return true;
    }

    private static string Describe(StreamPolicy p) =>
        $"idle {Show(p.IdleTimeout, "cluster ActivityTimeout")}, total {Show(p.RequestTimeout, "none")}, max {Show(p.MaxDuration, "none")}, heartbeat {Show(p.Heartbeat, "off")}, body {(p.MaxRequestBodySize is { } b ? b + " bytes" : "unlimited")}";

    private static string Show(TimeSpan? value, string none) => value is { } v ? Duration.Show(v) : none;
}
