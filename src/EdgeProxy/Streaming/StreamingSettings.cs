using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.Streaming;

/// <summary>
/// Every stream policy in force, built-in and named, one immutable snapshot per configuration generation,
/// and which one each route runs under.
/// </summary>
internal sealed class StreamingSettings
{
    public const string SectionName = StreamingOptions.SectionName;
    public const string PoliciesKey = SectionName + ":Policies";

    /// <summary>Kestrel's own default, kept so that turning streaming on changes no upload limit.</summary>
    public const long DefaultMaxRequestBodySize = 30_000_000;

    /// <summary>The built-in policies, one per mode, before the operator's changes (Auto's limits are Buffered's).</summary>
    public static readonly IReadOnlyDictionary<StreamMode, StreamPolicy> Presets = new Dictionary<StreamMode, StreamPolicy>
    {
        // Ordinary requests: idle limit from the cluster's ActivityTimeout (YARP default 100 s), 100 s in total.
        [StreamMode.Buffered] = new(nameof(StreamMode.Buffered), StreamMode.Buffered, IdleTimeout: null, MaxDuration: null, RequestTimeout: TimeSpan.FromSeconds(100), Heartbeat: null, DefaultMaxRequestBodySize),
        [StreamMode.Sse] = new(nameof(StreamMode.Sse), StreamMode.Sse, IdleTimeout: TimeSpan.FromHours(1), MaxDuration: null, RequestTimeout: null, Heartbeat: null, DefaultMaxRequestBodySize),
        [StreamMode.Ndjson] = new(nameof(StreamMode.Ndjson), StreamMode.Ndjson, IdleTimeout: TimeSpan.FromHours(1), MaxDuration: null, RequestTimeout: null, Heartbeat: null, DefaultMaxRequestBodySize),
        // nginx users set proxy_read_timeout 86400s for WebSockets (Pipelit, Streamlit): the same here by default.
        [StreamMode.WebSocket] = new(nameof(StreamMode.WebSocket), StreamMode.WebSocket, IdleTimeout: TimeSpan.FromHours(24), MaxDuration: null, RequestTimeout: null, Heartbeat: null, DefaultMaxRequestBodySize),
    };

    private readonly ConditionalWeakTable<ForwarderRequestConfig, ForwarderRequestConfig> _backstops = new();
    private readonly ConditionalWeakTable<RouteConfig, StreamPolicy> _routes = new();
    private readonly ConditionalWeakTable<RouteConfig, StreamPolicy>.CreateValueCallback _resolve;
    private readonly TimeSpan _longestIdle;

    /// <param name="policies">Every policy by name (case-insensitive), the five built-in ones included.</param>
    public StreamingSettings(IReadOnlyDictionary<string, StreamPolicy> policies)
    {
        Policies = policies;
        Auto = policies[nameof(StreamMode.Auto)];
        Buffered = policies[nameof(StreamMode.Buffered)];
        Sse = policies[nameof(StreamMode.Sse)];
        Ndjson = policies[nameof(StreamMode.Ndjson)];
        WebSocket = policies[nameof(StreamMode.WebSocket)];
        _longestIdle = policies.Values.Max(p => p.IdleTimeout ?? TimeSpan.Zero);
        _resolve = route => ForMetadata(route.Metadata) ?? Auto;
    }

    public IReadOnlyDictionary<string, StreamPolicy> Policies { get; }

    public StreamPolicy Auto { get; }

    public StreamPolicy Buffered { get; }

    public StreamPolicy Sse { get; }

    public StreamPolicy Ndjson { get; }

    public StreamPolicy WebSocket { get; }

    /// <summary>Auto, Buffered, Sse, Ndjson and WebSocket: the policies that exist whatever the configuration says.</summary>
    public static bool IsBuiltIn(string name) => StreamRouteMetadata.TryParse(name, out _) && name.Length > 0;

    /// <summary>The built-in policy of a mode.</summary>
    public StreamPolicy ForMode(StreamMode mode) => mode switch
    {
        StreamMode.Sse => Sse,
        StreamMode.Ndjson => Ndjson,
        StreamMode.WebSocket => WebSocket,
        StreamMode.Buffered => Buffered,
        _ => Auto,
    };

    /// <summary>The policy a route's requests start under (cached per route config: one lookup per request).</summary>
    public StreamPolicy ForRoute(RouteConfig route) => _routes.GetValue(route, _resolve);

    /// <summary>
    /// <c>EdgeProxy.StreamPolicy</c>, else the built-in policy of <c>EdgeProxy.Stream</c>'s mode, else Auto; null for a
    /// name no policy has (validation refuses that, so at run time it cannot happen).
    /// </summary>
    public StreamPolicy? ForMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is not null && metadata.TryGetValue(StreamRouteMetadata.PolicyKey, out var name) && !string.IsNullOrWhiteSpace(name))
        {
            return Policies.GetValueOrDefault(name.Trim());
        }

        return ForMode(StreamRouteMetadata.Of(metadata));
    }

    /// <summary>
    /// The cluster's request config with YARP's ActivityTimeout raised above every idle limit we enforce
    /// ourselves, so YARP's per-cluster timer is only a backstop (cached: one instance per cluster config).
    /// </summary>
    public ForwarderRequestConfig Backstop(ForwarderRequestConfig clusterConfig) =>
        _backstops.GetValue(clusterConfig, c => c with
        {
            ActivityTimeout = Max(c.ActivityTimeout ?? ExchangeLimits.YarpDefaultActivityTimeout, _longestIdle) + TimeSpan.FromMinutes(1),
        });

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
