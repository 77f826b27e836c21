using System.Diagnostics;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>A request from a caller that is in a trace it sampled: a fresh trace id and caller span in a W3C <c>traceparent</c>.</summary>
public static class CallerTrace
{
    public static HttpRequestMessage SampledRequest(string path, out ActivityTraceId traceId, out ActivitySpanId callerSpanId)
    {
        traceId = ActivityTraceId.CreateRandom();
        callerSpanId = ActivitySpanId.CreateRandom();
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{callerSpanId.ToHexString()}-01");
        return request;
    }
}
