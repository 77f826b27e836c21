using System.Text.Json;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>An upstream that answers with exactly the request headers it received, as JSON (name → joined values).</summary>
public static class HeaderEchoUpstream
{
    public static Task<TestUpstream> StartAsync() => TestUpstream.StartAsync(app => app.MapFallback(context =>
        context.Response.WriteAsJsonAsync(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase))));

    public static async Task<Dictionary<string, string>> ReadAsync(HttpResponseMessage response)
    {
        response.EnsureSuccessStatusCode();
        var headers = await response.Content.ReadFromJsonAsync<Dictionary<string, string>>();
        return new Dictionary<string, string>(headers!, StringComparer.OrdinalIgnoreCase);
    }
}
