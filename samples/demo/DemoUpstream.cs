namespace EdgeProxy.Demo;

/// <summary>
/// A small, real upstream app: it shows what the proxy forwarded, so an operator can see the effect of
/// each setting. Grows SSE, NDJSON and WebSocket endpoints with the streaming work.
/// </summary>
public static class DemoUpstream
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static WebApplication Build(string url)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();

        app.MapGet("/healthz", () => "ok");
        app.MapFallback(async context =>
        {
            var request = context.Request;
            var forwarded = request.Headers
                .Where(h => h.Key.StartsWith("X-Forwarded", StringComparison.OrdinalIgnoreCase) || h.Key is "Forwarded" or "X-Real-IP")
                .ToDictionary(h => h.Key, h => h.Value.ToString());
            await context.Response.WriteAsJsonAsync(new
            {
                message = "Hello from the EdgeProxy demo upstream",
                method = request.Method,
                host = request.Host.Value,
                path = request.Path.Value,
                query = request.QueryString.Value,
                protocol = request.Protocol,
                peer = context.Connection.RemoteIpAddress?.ToString(),
                forwarded,
            });
        });
        return app;
    }
}
