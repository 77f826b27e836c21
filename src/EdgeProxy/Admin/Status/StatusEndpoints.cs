using System.Text.Json;

namespace EdgeProxy.Admin.Status;

/// <summary>
/// The admin listener's <c>/</c> (HTML), <c>/status.json</c>, <c>/status.js</c> and <c>/status.css</c>. Every answer
/// forbids framing, sniffing and caching, and the CSP allows only this origin's script and style: the page would
/// stay inert even if some value slipped through unencoded.
/// </summary>
internal sealed class StatusEndpoints(StatusCollector collector)
{
    public const string JsonPath = "/status.json";

    private const string Csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private static readonly string Script = Resource("status.js");
    private static readonly string Style = Resource("status.css");

    public IEnumerable<AdminEndpoint> All() =>
    [
        new("/", context => Write(context, "text/html; charset=utf-8", StatusPage.Render(collector.Collect()))),
        new(JsonPath, context => Write(context, "application/json; charset=utf-8", JsonSerializer.Serialize(collector.Collect(), AdminJson.Default.StatusSnapshot))),
        new("/status.js", context => Write(context, "text/javascript; charset=utf-8", Script)),
        new("/status.css", context => Write(context, "text/css; charset=utf-8", Style)),
    ];

    private static Task Write(HttpContext context, string contentType, string body)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            return Task.CompletedTask;
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Csp;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        context.Response.ContentType = contentType;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(body);
    }

    private static string Resource(string name)
    {
        using var stream = typeof(StatusEndpoints).Assembly.GetManifestResourceStream("EdgeProxy.Admin.Status." + name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
