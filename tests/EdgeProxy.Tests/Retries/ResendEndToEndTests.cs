using System.Collections.Concurrent;
using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Retries;

/// <summary>
/// An upstream that resets the connection after it read the request, the first time it sees each request id:
/// idempotent requests are sent again and answered, POST and PATCH never, and nothing is sent again once the
/// client has part of the response.
/// </summary>
public sealed class ResendEndToEndTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _seen = new();
    private TestUpstream _upstream = null!;
    private ProxyInstance _proxy = null!;

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartAsync(app => app.MapFallback(async context =>
        {
            var id = context.Request.Headers["X-Request-Id"].ToString();
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            var copies = _seen.GetOrAdd(id, _ => new());
            copies.Enqueue($"{context.Request.Method} {body.Length} {body.GetHashCode()}");
            context.Response.Headers.Connection = "close"; // every try on a new connection: HttpClient's own retry of a reused one stays out of the picture
            if (copies.Count == 1 && context.Request.Path.Value!.Contains("/reset/", StringComparison.Ordinal))
            {
                context.Abort(); // after the request was read: the app may have acted on it
                return;
            }

            if (copies.Count == 1 && context.Request.Path.StartsWithSegments("/partial"))
            {
                await context.Response.WriteAsync("half of it");
                await context.Response.Body.FlushAsync();
                await Task.Delay(100);
                context.Abort(); // part of the response already reached the client
                return;
            }

            await context.Response.WriteAsync($"answered after {copies.Count} tries");
        }));
        var config = new TestConfig(_dir.Path)
            .Route("app", "{**any}", "app").Cluster("app", _upstream.Url)
            .Set("ReverseProxy:Clusters:app:Metadata:EdgeProxy.MaxRetryBodySize", "1024")
            .Route("once", "/once/{**any}", "app", new Dictionary<string, string> { ["EdgeProxy.MaxRetries"] = "0" });
        _proxy = await ProxyInstance.StartAsync(config, output);
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("GET", 0, false)]
    [InlineData("HEAD", 0, false)]
    [InlineData("OPTIONS", 0, false)]
    [InlineData("DELETE", 0, false)]
    [InlineData("PUT", 700, false)]
    [InlineData("GET", 0, true)]
    [InlineData("PUT", 700, true)]
    public async Task ResetAfterTheRequestWasSent_IdempotentRequest_IsSentAgainAndAnswered(string method, int bodyBytes, bool http2)
    {
        using var client = _proxy.CreateClient(http2: http2);

        var (status, id) = await SendAsync(client, method, "/reset/x", bodyBytes);

        status.Should().Be(HttpStatusCode.OK);
        _seen[id].Should().HaveCount(2, "sent once more after the reset").And.OnlyContain(s => s == _seen[id].First(), "with the same body each time");
        var logged = await _proxy.Logs.WaitForAsync(e => e.Properties.TryGetValue("Path", out var p) && p.ToString().Contains(id, StringComparison.Ordinal));
        logged.Properties["Tries"].ToString().Should().Be("2", "the access log says how many tries it took");
    }

    [Theory]
    [InlineData("POST", 10, false)]
    [InlineData("POST", 0, false)]
    [InlineData("PATCH", 10, false)]
    [InlineData("POST", 10, true)]
    [InlineData("PUT", 4096, false)] // idempotent, but its body was larger than MaxRetryBodySize and was not kept
    [InlineData("PUT", 4096, true)]
    public async Task ResetAfterTheRequestWasSent_RequestThatCannotBeSentAgain_ReachesTheAppOnce_AndTheClientGetsTheError(string method, int bodyBytes, bool http2)
    {
        using var client = _proxy.CreateClient(http2: http2);

        var (status, id) = await SendAsync(client, method, "/reset/x", bodyBytes);

        status.Should().Be(HttpStatusCode.BadGateway);
        _seen[id].Should().HaveCount(1, "a request the app may have acted on is never sent twice");
    }

    [Fact]
    public async Task RouteWithMaxRetriesZero_NeverSendsTwice()
    {
        using var client = _proxy.CreateClient();

        var (status, id) = await SendAsync(client, "GET", "/once/reset", 0);

        status.Should().Be(HttpStatusCode.BadGateway);
        _seen[id].Should().HaveCount(1);
    }

    [Fact]
    public async Task ResponseAlreadyBegun_IsNeverSentAgain()
    {
        using var client = _proxy.CreateClient();
        var id = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/partial");
        request.Headers.Add("X-Request-Id", id);

        var send = async () =>
        {
            using var response = await client.SendAsync(request);
            await response.Content.ReadAsStringAsync();
        };

        await send.Should().ThrowAsync<HttpRequestException>("the body was cut after the client had its first bytes");
        _seen[id].Should().HaveCount(1);
    }

    private static async Task<(HttpStatusCode Status, string Id)> SendAsync(HttpClient client, string method, string path, int bodyBytes)
    {
        var id = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(new HttpMethod(method), $"{path}/{id}");
        request.Headers.Add("X-Request-Id", id);
        if (bodyBytes > 0 || method is "POST" or "PATCH" or "PUT")
        {
            request.Content = new ByteArrayContent(Enumerable.Range(0, bodyBytes).Select(i => (byte)('a' + (i % 26))).ToArray());
        }

        using var response = await client.SendAsync(request);
        await response.Content.ReadAsStringAsync();
        return (response.StatusCode, id);
    }
}
