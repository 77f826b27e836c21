using EdgeProxy.Configuration;

namespace EdgeProxy.Streaming;

/// <summary>
/// Validates <c>EdgeProxy:Streaming</c> and every route's stream metadata in one pass, reporting every problem with its
/// full key, and returns the policies it resolved. Built-in policies start from <see cref="StreamingSettings.Presets"/>
/// (Auto from Buffered's resolved limits); a named policy starts from the resolved built-in policy of its mode.
/// </summary>
internal static class StreamingValidator
{
    private static readonly StreamMode[] BuiltInOrder = [StreamMode.Buffered, StreamMode.Auto, StreamMode.Sse, StreamMode.Ndjson, StreamMode.WebSocket];

    public static StreamingSettings Validate(IConfiguration config, ConfigReport report)
    {
        var sections = config.GetSection(StreamingSettings.PoliciesKey).GetChildren().ToDictionary(s => s.Key, StringComparer.OrdinalIgnoreCase);
        var reader = new StreamPolicyReader(report);

        // An operator's Kestrel:Limits:MaxRequestBodySize is the body limit of every policy that sets none:
        // the streaming layer sets the limit per request and would otherwise silently replace it.
        long? kestrelLimit = long.TryParse(config["Kestrel:Limits:MaxRequestBodySize"], out var limit) ? limit : null;
        var policies = new Dictionary<string, StreamPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var mode in BuiltInOrder)
        {
            var basis = mode == StreamMode.Auto
                ? policies[nameof(StreamMode.Buffered)] with { Name = nameof(StreamMode.Auto), Mode = StreamMode.Auto }
                : kestrelLimit is { } bytes ? StreamingSettings.Presets[mode] with { MaxRequestBodySize = bytes } : StreamingSettings.Presets[mode];
            var name = mode.ToString();
            policies[name] = sections.TryGetValue(name, out var section) ? reader.Read(section, basis, builtIn: true) : basis;
        }

        foreach (var (name, section) in sections)
        {
            if (!policies.ContainsKey(name) && reader.ModeOf(section) is { } mode)
            {
                policies[name] = reader.Read(section, policies[mode.ToString()] with { Name = name }, builtIn: false);
            }
        }

        // Targets last: they name policies, which must all exist first. A named policy inherits its built-in's targets.
        foreach (var name in policies.Keys.ToList())
        {
            var policy = policies[name];
            if (policy.Mode is StreamMode.Auto or StreamMode.Buffered)
            {
                var inherited = StreamingSettings.IsBuiltIn(name) ? null : policies[policy.Mode.ToString()];
                policies[name] = policy with { Targets = reader.Targets(sections.GetValueOrDefault(name), inherited?.Targets, policies) };
            }
            else if (sections.TryGetValue(name, out var section))
            {
                reader.RefuseTargets(section, policy);
            }
        }

        var settings = new StreamingSettings(policies);
        var usage = StreamRouteValidator.Validate(config, settings, report);
        var builtInFirst = policies.Values.OrderBy(p => StreamingSettings.IsBuiltIn(p.Name) ? Array.IndexOf(BuiltInOrder, p.Mode) : BuiltInOrder.Length);
        foreach (var policy in builtInFirst.ThenBy(p => p.Name, StringComparer.OrdinalIgnoreCase))
        {
            StreamPolicyChecks.Check(policy, usage, policies.Values, report);
        }

        return settings;
    }
}
