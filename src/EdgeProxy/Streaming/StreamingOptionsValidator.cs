using EdgeProxy.Configuration;

namespace EdgeProxy.Streaming;

/// <summary>
/// <c>EdgeProxy:Streaming</c>: every policy, built-in and named, resolved from the bound <see cref="StreamingOptions"/>,
/// every problem with its full key. Built-in policies start from <see cref="StreamingSettings.Presets"/> (Auto from
/// Buffered's resolved limits); a named policy starts from the resolved built-in policy of its mode. The same reading
/// gives the running proxy its <see cref="StreamingSettings"/> (<see cref="StreamingPolicies"/>); which routes use which
/// policy is <see cref="StreamingRouteCheck"/>'s, on the routes as YARP read them.
/// </summary>
internal sealed class StreamingOptionsValidator(IConfiguration configuration) : OptionsValidator<StreamingOptions>
{
    private static readonly StreamMode[] BuiltInOrder = [StreamMode.Buffered, StreamMode.Auto, StreamMode.Sse, StreamMode.Ndjson, StreamMode.WebSocket];

    public override void Check(StreamingOptions options, ConfigReport report) => Resolve(options, KestrelBodyLimit(configuration), report);

    /// <summary>
    /// An operator's Kestrel:Limits:MaxRequestBodySize is the body limit of every policy that sets none: the streaming
    /// layer sets the limit per request and would otherwise silently replace it.
    /// </summary>
    public static long? KestrelBodyLimit(IConfiguration configuration)
    {
        try
        {
            return ReflectionBinder.Get<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits>(configuration.GetSection("Kestrel:Limits"))?.MaxRequestBodySize;
        }
        catch (InvalidOperationException)
        {
            return null; // ValueCheck reported it
        }
    }

    /// <summary>Every policy: presets and built-in policies with the operator's keys applied, then the named ones, each checked.</summary>
    public static StreamingSettings Resolve(StreamingOptions options, long? kestrelLimit, ConfigReport report)
    {
        var entries = new Dictionary<string, StreamPolicyOptions>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, entry) in options.Policies ?? [])
        {
            entries[name] = entry ?? new StreamPolicyOptions();
        }

        var reader = new StreamPolicyReader(report);
        var policies = new Dictionary<string, StreamPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var mode in BuiltInOrder)
        {
            var basis = mode == StreamMode.Auto
                ? policies[nameof(StreamMode.Buffered)] with { Name = nameof(StreamMode.Auto), Mode = StreamMode.Auto }
                : kestrelLimit is { } bytes ? StreamingSettings.Presets[mode] with { MaxRequestBodySize = bytes } : StreamingSettings.Presets[mode];
            var name = mode.ToString();
            policies[name] = entries.TryGetValue(name, out var entry) ? reader.Read(name, entry, basis, builtIn: true) : basis;
        }

        foreach (var (name, entry) in entries)
        {
            if (!policies.ContainsKey(name) && reader.ModeOf(name, entry) is { } mode)
            {
                policies[name] = reader.Read(name, entry, policies[mode.ToString()] with { Name = name }, builtIn: false);
            }
        }

        // Targets last: they name policies, which must all exist first. A named policy inherits its built-in's targets.
        foreach (var name in policies.Keys.ToList())
        {
            var policy = policies[name];
            if (policy.Mode is StreamMode.Auto or StreamMode.Buffered)
            {
                var inherited = StreamingSettings.IsBuiltIn(name) ? null : policies[policy.Mode.ToString()];
                policies[name] = policy with { Targets = reader.Targets(name, entries.GetValueOrDefault(name), inherited?.Targets, policies) };
            }
            else if (entries.TryGetValue(name, out var entry))
            {
                reader.RefuseTargets(name, entry, policy);
            }
        }

        foreach (var policy in Ordered(policies.Values))
        {
            StreamPolicyChecks.Problems(policy, report);
        }

        return new StreamingSettings(policies);
    }

    /// <summary>The built-in policies in the order an operator meets them, then the named ones by name: <c>check</c>'s order.</summary>
    public static IEnumerable<StreamPolicy> Ordered(IEnumerable<StreamPolicy> policies) => policies
        .OrderBy(p => StreamingSettings.IsBuiltIn(p.Name) ? Array.IndexOf(BuiltInOrder, p.Mode) : BuiltInOrder.Length)
        .ThenBy(p => p.Name, StringComparer.OrdinalIgnoreCase);
}
