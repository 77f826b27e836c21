using System.Globalization;
using EdgeProxy.Configuration;

namespace EdgeProxy.Streaming;

/// <summary>
/// <c>EdgeProxy:Streaming</c>: each policy's keys over its preset, every problem with its full key. The same reading
/// gives the running proxy its <see cref="StreamingSettings"/> (<see cref="StreamingPolicies"/>).
/// </summary>
internal sealed class StreamingOptionsValidator(IConfiguration configuration) : OptionsValidator<StreamingOptions>
{
    private const string Off = "off";

    /// <summary>YARP stores ActivityTimeout as int milliseconds; stay well inside that.</summary>
    private static readonly TimeSpan Longest = TimeSpan.FromDays(20);

    public override void Check(StreamingOptions options, ConfigReport report) => Resolve(options, KestrelBodyLimit(configuration), report);

    /// <summary>
    /// An operator's Kestrel:Limits:MaxRequestBodySize is the body limit of every policy that sets none: the streaming
    /// layer sets the limit per request and would otherwise silently replace it.
    /// </summary>
    public static long? KestrelBodyLimit(IConfiguration configuration)
    {
        try
        {
            return configuration.GetSection("Kestrel:Limits").Get<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits>()?.MaxRequestBodySize;
        }
        catch (InvalidOperationException)
        {
            return null; // ValueCheck reported it
        }
    }

    /// <summary>The four policies: presets with the operator's keys applied, each checked.</summary>
    public static StreamingSettings Resolve(StreamingOptions options, long? kestrelLimit, ConfigReport report)
    {
        var policies = new Dictionary<string, StreamPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var preset in StreamingSettings.Presets.Values)
        {
            var basis = kestrelLimit is { } bytes ? preset with { MaxRequestBodySize = bytes } : preset;
            var policy = ReadPolicy(Of(options.Policies ?? new StreamPoliciesOptions(), preset.Name) ?? new StreamPolicyOptions(), $"{StreamingSettings.PoliciesKey}:{preset.Name}", basis, report);
            CheckPolicy(policy, report);
            policies[preset.Name] = policy;
        }

        return new StreamingSettings(policies);
    }

    private static StreamPolicyOptions? Of(StreamPoliciesOptions policies, string name) => name switch
    {
        StreamingSettings.Sse => policies.Sse,
        StreamingSettings.Ndjson => policies.Ndjson,
        StreamingSettings.WebSocket => policies.WebSocket,
        _ => policies.Buffered,
    };

    private static StreamPolicy ReadPolicy(StreamPolicyOptions options, string key, StreamPolicy preset, ConfigReport report)
    {
        return preset with
        {
            IdleTimeout = ReadDuration(options.IdleTimeout, $"{key}:{nameof(StreamPolicy.IdleTimeout)}", preset.IdleTimeout, report),
            MaxDuration = ReadDuration(options.MaxDuration, $"{key}:{nameof(StreamPolicy.MaxDuration)}", preset.MaxDuration, report),
            RequestTimeout = ReadDuration(options.RequestTimeout, $"{key}:{nameof(StreamPolicy.RequestTimeout)}", preset.RequestTimeout, report),
            Heartbeat = ReadDuration(options.Heartbeat, $"{key}:{nameof(StreamPolicy.Heartbeat)}", preset.Heartbeat, report),
            MaxRequestBodySize = ReadSize(options.MaxRequestBodySize, $"{key}:{nameof(StreamPolicy.MaxRequestBodySize)}", preset.MaxRequestBodySize, report),
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

    private static TimeSpan? ReadDuration(string? raw, string key, TimeSpan? fallback, ConfigReport report)
    {
        if (raw is null)
        {
            return fallback;
        }

        if (raw.Length == 0 || string.Equals(raw.Trim(), Off, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

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

    private static long? ReadSize(string? raw, string key, long? fallback, ConfigReport report)
    {
        if (raw is null)
        {
            return fallback;
        }

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
