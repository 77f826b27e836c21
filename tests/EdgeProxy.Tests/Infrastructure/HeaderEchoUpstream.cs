using System.Text.Json;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// An upstream that answers with JSON describing exactly what reached it: every header line by name
/// (several lines stay several entries), the method, the path (decoded) and the request target as sent, and the
/// TCP peer it saw.
/// </summary>
public static class HeaderEchoUpstream
{
    public static Task<TestUpstream> StartAsync() => TestUpstream.StartAsync(app => app.MapFallback(async context =>
    {
        var headers = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in context.Request.Headers)
        {
            headers[name] = values.ToArray()!;
        }

        var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        await context.Response.WriteAsJsonAsync(new Echo(context.Request.Path.Value ?? string.Empty, context.Connection.RemoteIpAddress?.ToString() ?? string.Empty, headers, context.Request.Method, target));
    }));

    public static async Task<Echo> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return JsonSerializer.Deserialize<Echo>(body, JsonSerializerOptions.Web) ?? throw new InvalidOperationException("empty echo: " + body);
    }

    /// <summary>Every header (lines joined with ", ") after checking the request succeeded.</summary>
    public static async Task<Dictionary<string, string>> ReadHeadersAsync(HttpResponseMessage response)
    {
        response.EnsureSuccessStatusCode();
        var echo = await ReadAsync(response);
        return echo.Headers.ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
    }

    public sealed record Echo(string Path, string Peer, Dictionary<string, string[]> Headers, string Method = "", string? RawTarget = null)
    {
        /// <summary>Everything the upstream saw, one header line per line: for failure messages.</summary>
        public override string ToString() =>
            $"{Method} {RawTarget} (path {Path}) from {Peer}\n" + string.Join('\n', Headers.Select(h => $"  {h.Key}: {string.Join(" | ", h.Value)}"));

        /// <summary>The single line of a header; fails the test if it arrived as several lines.</summary>
        public string? Header(string name)
        {
            var lines = Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
            if (lines is null)
            {
                return null;
            }

            lines.Should().HaveCount(1, $"{name} must reach the upstream as one line");
            return lines[0];
        }
    }
}
