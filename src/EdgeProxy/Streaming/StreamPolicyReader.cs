using System.Globalization;
using EdgeProxy.Configuration;

namespace EdgeProxy.Streaming;

/// <summary>
/// Reads one bound <c>EdgeProxy:Streaming:Policies:&lt;name&gt;</c> entry over the policy it starts from, reporting each
/// bad value with its full key. Unknown keys in the entry are the model's FAIL (<see cref="UnknownKeyCheck"/>).
/// </summary>
internal sealed class StreamPolicyReader(ConfigReport report)
{
    private const string Off = "off";

    /// <summary>YARP stores ActivityTimeout as int milliseconds; stay well inside that.</summary>
    private static readonly TimeSpan Longest = TimeSpan.FromDays(20);

    /// <summary>The mode of a policy of the operator's own; null (with a FAIL) when it has none or a bad one.</summary>
    public StreamMode? ModeOf(string name, StreamPolicyOptions options)
    {
        var key = $"{StreamingSettings.PoliciesKey}:{name}:{nameof(StreamPolicyOptions.Mode)}";
        if (string.IsNullOrWhiteSpace(options.Mode))
        {
            report.Fail(key, $"policy '{name}' needs a Mode: {StreamRouteMetadata.ModeList} (the built-in policies are named after them)");
            return null;
        }

        if (!StreamRouteMetadata.TryParse(options.Mode, out var mode))
        {
            report.Fail(key, $"'{options.Mode}' is not a mode; use {StreamRouteMetadata.ModeList}");
            return null;
        }

        return mode;
    }

    public StreamPolicy Read(string name, StreamPolicyOptions options, StreamPolicy basis, bool builtIn)
    {
        var key = $"{StreamingSettings.PoliciesKey}:{name}";
        if (builtIn && options.Mode is { Length: > 0 } mode && (!StreamRouteMetadata.TryParse(mode, out var parsed) || parsed != basis.Mode))
        {
            report.Fail(key + ":Mode", $"'{mode}': the built-in policy {basis.Name} is always Mode {basis.Mode}; for another mode define a policy with a name of your own");
        }

        return basis with
        {
            IdleTimeout = ReadDuration(options.IdleTimeout, $"{key}:{nameof(StreamPolicy.IdleTimeout)}", basis.IdleTimeout),
            MaxDuration = ReadDuration(options.MaxDuration, $"{key}:{nameof(StreamPolicy.MaxDuration)}", basis.MaxDuration),
            RequestTimeout = ReadDuration(options.RequestTimeout, $"{key}:{nameof(StreamPolicy.RequestTimeout)}", basis.RequestTimeout),
            Heartbeat = ReadDuration(options.Heartbeat, $"{key}:{nameof(StreamPolicy.Heartbeat)}", basis.Heartbeat),
            MaxRequestBodySize = ReadSize(options.MaxRequestBodySize, $"{key}:{nameof(StreamPolicy.MaxRequestBodySize)}", basis.MaxRequestBodySize),
        };
    }

    /// <summary>An Auto or Buffered policy's targets: its own keys, else what it inherits, else the built-in stream policies.</summary>
    public StreamTargets Targets(string name, StreamPolicyOptions? options, StreamTargets? inherited, IReadOnlyDictionary<string, StreamPolicy> policies) => new(
        Target(name, nameof(StreamPolicyOptions.Sse), options?.Sse, StreamMode.Sse, inherited?.Sse, policies),
        Target(name, nameof(StreamPolicyOptions.Ndjson), options?.Ndjson, StreamMode.Ndjson, inherited?.Ndjson, policies),
        Target(name, nameof(StreamPolicyOptions.WebSocket), options?.WebSocket, StreamMode.WebSocket, inherited?.WebSocket, policies));

    /// <summary>Stream policies switch to nothing: their responses are streams already.</summary>
    public void RefuseTargets(string name, StreamPolicyOptions options, StreamPolicy policy)
    {
        foreach (var (target, value) in new[] { (nameof(options.Sse), options.Sse), (nameof(options.Ndjson), options.Ndjson), (nameof(options.WebSocket), options.WebSocket) })
        {
            if (value is not null)
            {
                report.Fail($"{StreamingSettings.PoliciesKey}:{name}:{target}", $"policy '{policy.Name}' is Mode {policy.Mode}: its responses are streams from the start, so it hands none to another policy; only Auto and Buffered policies name which policy each kind of stream gets");
            }
        }
    }

    private StreamPolicy Target(string name, string key, string? raw, StreamMode mode, StreamPolicy? inherited, IReadOnlyDictionary<string, StreamPolicy> policies)
    {
        var fallback = inherited ?? policies[mode.ToString()];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }

        var fullKey = $"{StreamingSettings.PoliciesKey}:{name}:{key}";
        if (!policies.TryGetValue(raw.Trim(), out var target))
        {
            report.Fail(fullKey, $"no stream policy is named '{raw}'; define it under {StreamingSettings.PoliciesKey} with Mode {mode}, or name one of {string.Join(", ", policies.Values.Where(p => p.Mode == mode).Select(p => p.Name))}");
            return fallback;
        }

        if (target.Mode != mode)
        {
            report.Fail(fullKey, $"policy '{target.Name}' is Mode {target.Mode}; {key} responses need a policy with Mode {mode}");
            return fallback;
        }

        return target;
    }

    private TimeSpan? ReadDuration(string? raw, string key, TimeSpan? fallback)
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

    private long? ReadSize(string? raw, string key, long? fallback)
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
}
