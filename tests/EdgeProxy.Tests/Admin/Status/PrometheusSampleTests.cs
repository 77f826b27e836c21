using EdgeProxy.Admin.Status;

namespace EdgeProxy.Tests.Admin.Status;

public sealed class PrometheusSampleTests
{
    [Fact]
    public void Parse_SumsRequestsPerRoute_AndCounts5xxAsErrors()
    {
        var sample = PrometheusSample.Parse("""
            # TYPE edgeproxy_requests_total counter
            edgeproxy_requests_total{otel_scope_name="EdgeProxy",cluster="app",route="a",status_class="2xx"} 7 1700000000000
            edgeproxy_requests_total{otel_scope_name="EdgeProxy",cluster="app",route="a",status_class="5xx"} 3
            edgeproxy_requests_total{cluster="app",route="we\"ird\\ro,ute}",status_class="4xx"} 2
            edgeproxy_requests_total_other{route="a"} 100
            edgeproxy_streams_active{policy="sse",route="a"} 2
            edgeproxy_streams_active{policy="sse",route="b"} 1
            edgeproxy_streams_active{policy="websocket",route="b"} 0
            edgeproxy_requests_total{route="broken
            """);

        sample.Requests["a"].Should().Be((10L, 3L));
        sample.Requests["we\"ird\\ro,ute}"].Should().Be((2L, 0L), "label values are unescaped, braces and commas inside quotes are text");
        sample.Requests.Should().HaveCount(2, "other series and a truncated line are ignored");
        sample.Streams.Should().BeEquivalentTo(new Dictionary<string, long> { ["sse"] = 3, ["websocket"] = 0 });
    }
}
