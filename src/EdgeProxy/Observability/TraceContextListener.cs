using System.Diagnostics;

namespace EdgeProxy.Observability;

/// <summary>
/// Keeps W3C trace context flowing when no tracer is configured. ASP.NET Core only starts its per-request
/// Activity (which continues the caller's <c>traceparent</c>, and which HttpClient continues upstream and the
/// access log records) when its ActivitySource has a listener or its request logger is enabled, and that logger
/// is off (see <see cref="SerilogSetup.HostingDiagnostics"/>). This listener asks for the Activity and nothing
/// more: no tags unless the caller sampled the trace, in which case the Activity is marked recorded so the
/// upstream sees the caller's sampling decision (<c>-01</c>), as before.
/// </summary>
internal sealed class TraceContextListener : IDisposable
{
    public const string AspNetCoreSource = "Microsoft.AspNetCore";

    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = static source => source.Name == AspNetCoreSource,
        Sample = static (ref ActivityCreationOptions<ActivityContext> options) =>
            options.Parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.PropagationData,
    };

    public TraceContextListener() => ActivitySource.AddActivityListener(_listener);

    public void Dispose() => _listener.Dispose();
}
