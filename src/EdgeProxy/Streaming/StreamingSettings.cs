using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.Streaming;

/// <summary>
/// The four policies in force (presets under the operator's <c>EdgeProxy:Streaming:Policies</c>), one
/// immutable snapshot per configuration generation.
/// </summary>
internal sealed class StreamingSettings
{
    public const string SectionName = "EdgeProxy:Streaming";
    public const string PoliciesKey = SectionName + ":Policies";
    public const string Buffered = "Buffered";
    public const string Sse = "Sse";
    public const string Ndjson = "Ndjson";
    public const string WebSocket = "WebSocket";

    /// <summary>Kestrel's own default, kept so that turning streaming on changes no upload limit.</summary>
    public const long DefaultMaxRequestBodySize = 30_000_000;

    public static readonly IReadOnlyDictionary<string, StreamPolicy> Presets = new Dictionary<string, StreamPolicy>(StringComparer.OrdinalIgnoreCase)
    {
        // Ordinary requests: idle limit from the cluster's ActivityTimeout (YARP default 100 s), 100 s in total.
        [Buffered] = new(Buffered, IdleTimeout: null, MaxDuration: null, RequestTimeout: TimeSpan.FromSeconds(100), Heartbeat: null, DefaultMaxRequestBodySize),
        [Sse] = new(Sse, IdleTimeout: TimeSpan.FromHours(1), MaxDuration: null, RequestTimeout: null, Heartbeat: null, DefaultMaxRequestBodySize),
        [Ndjson] = new(Ndjson, IdleTimeout: TimeSpan.FromHours(1), MaxDuration: null, RequestTimeout: null, Heartbeat: null, DefaultMaxRequestBodySize),
        // nginx users set proxy_read_timeout 86400s for WebSockets (Pipelit, Streamlit): the same here by default.
        [WebSocket] = new(WebSocket, IdleTimeout: TimeSpan.FromHours(24), MaxDuration: null, RequestTimeout: null, Heartbeat: null, DefaultMaxRequestBodySize),
    };

    public static readonly StreamingSettings Default = new(Presets);

    private readonly ConditionalWeakTable<ForwarderRequestConfig, ForwarderRequestConfig> _backstops = new();
    private readonly TimeSpan _longestIdle;

    public StreamingSettings(IReadOnlyDictionary<string, StreamPolicy> policies)
    {
        BufferedPolicy = policies[Buffered];
        SsePolicy = policies[Sse];
        NdjsonPolicy = policies[Ndjson];
        WebSocketPolicy = policies[WebSocket];
        _longestIdle = new[] { BufferedPolicy, SsePolicy, NdjsonPolicy, WebSocketPolicy }.Max(p => p.IdleTimeout ?? TimeSpan.Zero);
    }

    public StreamPolicy BufferedPolicy { get; }

    public StreamPolicy SsePolicy { get; }

    public StreamPolicy NdjsonPolicy { get; }

    public StreamPolicy WebSocketPolicy { get; }

    /// <summary>The policy a request starts with; Auto starts as an ordinary request.</summary>
    public StreamPolicy ForRoute(StreamMode mode) => mode switch
    {
        StreamMode.Sse => SsePolicy,
        StreamMode.Ndjson => NdjsonPolicy,
        StreamMode.WebSocket => WebSocketPolicy,
        _ => BufferedPolicy,
    };

    /// <summary>
    /// The cluster's request config with YARP's ActivityTimeout raised above every idle limit we enforce
    /// ourselves, so YARP's per-cluster timer is only a backstop (cached: one instance per cluster config).
    /// </summary>
    public ForwarderRequestConfig Backstop(ForwarderRequestConfig clusterConfig) =>
        _backstops.GetValue(clusterConfig, c => c with
        {
            ActivityTimeout = Max(c.ActivityTimeout ?? StreamSession.YarpDefaultActivityTimeout, _longestIdle) + TimeSpan.FromMinutes(1),
        });

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
