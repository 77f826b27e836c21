using System.Globalization;
using EdgeProxy.Configuration;

namespace EdgeProxy.Streaming;

/// <summary>Reads one <c>EdgeProxy:Streaming:Policies:&lt;name&gt;</c> section over the policy it starts from, reporting each bad key.</summary>
internal sealed class StreamPolicyReader(ConfigReport report)
{
    private const string Off = "off";

    /// <summary>YARP stores ActivityTimeout as int milliseconds; stay well inside that.</summary>
    private static readonly TimeSpan Longest = TimeSpan.FromDays(20);

    private static readonly string[] SettingNames = typeof(StreamPolicyOptions).GetProperties().Select(p => p.Name).ToArray();

    private static readonly string[] TargetNames = [nameof(StreamPolicyOptions.Sse), nameof(StreamPolicyOptions.Ndjson), nameof(StreamPolicyOptions.WebSocket)];

    /// <summary>The mode of a policy of the operator's own; null (with a FAIL) when it has none or a bad one.</summary>
    public StreamMode? ModeOf(IConfigurationSection section)
    {
        var raw = section[nameof(StreamPolicyOptions.Mode)];
        if (string.IsNullOrWhiteSpace(raw))
        {
            report.Fail(section.Path + ":Mode", $"policy '{section.Key}' needs a Mode: {StreamRouteMetadata.ModeList} (the built-in policies are named after them)");
            return null;
        }

        if (!StreamRouteMetadata.TryParse(raw, out var mode))
        {
            report.Fail(section.Path + ":Mode", $"'{raw}' is not a mode; use {StreamRouteMetadata.ModeList}");
            return null;
        }

        return mode;
    }

    public StreamPolicy Read(IConfigurationSection section, StreamPolicy basis, bool builtIn)
    {
        foreach (var child in section.GetChildren())
        {
            if (!SettingNames.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                report.Fail(child.Path, $"unknown setting; a policy has {string.Join(", ", SettingNames)}");
            }
        }

        if (builtIn && section[nameof(StreamPolicyOptions.Mode)] is { Length: > 0 } mode
            && (!StreamRouteMetadata.TryParse(mode, out var parsed) || parsed != basis.Mode))
        {
            report.Fail(section.Path + ":Mode", $"'{mode}': the built-in policy {basis.Name} is always Mode {basis.Mode}; for another mode define a policy with a name of your own");
        }

        return basis with
        {
            IdleTimeout = ReadDuration(section, nameof(StreamPolicy.IdleTimeout), basis.IdleTimeout),
            MaxDuration = ReadDuration(section, nameof(StreamPolicy.MaxDuration), basis.MaxDuration),
            RequestTimeout = ReadDuration(section, nameof(StreamPolicy.RequestTimeout), basis.RequestTimeout),
            Heartbeat = ReadDuration(section, nameof(StreamPolicy.Heartbeat), basis.Heartbeat),
            MaxRequestBodySize = ReadSize(section, nameof(StreamPolicy.MaxRequestBodySize), basis.MaxRequestBodySize),
        };
    }

    /// <summary>An Auto or Buffered policy's targets: its own keys, else what it inherits, else the built-in stream policies.</summary>
    public StreamTargets Targets(IConfigurationSection? section, StreamTargets? inherited, IReadOnlyDictionary<string, StreamPolicy> policies) => new(
        Target(section, nameof(StreamPolicyOptions.Sse), StreamMode.Sse, inherited?.Sse, policies),
        Target(section, nameof(StreamPolicyOptions.Ndjson), StreamMode.Ndjson, inherited?.Ndjson, policies),
        Target(section, nameof(StreamPolicyOptions.WebSocket), StreamMode.WebSocket, inherited?.WebSocket, policies));

    /// <summary>Stream policies switch to nothing: their responses are streams already.</summary>
    public void RefuseTargets(IConfigurationSection section, StreamPolicy policy)
    {
        foreach (var name in TargetNames)
        {
            if (section[name] is not null)
            {
                report.Fail($"{section.Path}:{name}", $"policy '{policy.Name}' is Mode {policy.Mode}: its responses are streams from the start, so it hands none to another policy; only Auto and Buffered policies name which policy each kind of stream gets");
            }
        }
    }

    private StreamPolicy Target(IConfigurationSection? section, string key, StreamMode mode, StreamPolicy? inherited, IReadOnlyDictionary<string, StreamPolicy> policies)
    {
        var fallback = inherited ?? policies[mode.ToString()];
        var raw = section?[key];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }

        if (!policies.TryGetValue(raw.Trim(), out var target))
        {
            report.Fail($"{section!.Path}:{key}", $"no stream policy is named '{raw}'; define it under {StreamingSettings.PoliciesKey} with Mode {mode}, or name one of {string.Join(", ", policies.Values.Where(p => p.Mode == mode).Select(p => p.Name))}");
            return fallback;
        }

        if (target.Mode != mode)
        {
            report.Fail($"{section!.Path}:{key}", $"policy '{target.Name}' is Mode {target.Mode}; {key} responses need a policy with Mode {mode}");
            return fallback;
        }

        return target;
    }

    private TimeSpan? ReadDuration(IConfigurationSection section, string name, TimeSpan? fallback)
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
            report.Fail(key, $"'{raw}' is not a duration; use e.g. \"30s\", \"5m\", \"24h\", \"00:00:30\" or \"off\"");
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

    private long? ReadSize(IConfigurationSection section, string name, long? fallback)
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
}
