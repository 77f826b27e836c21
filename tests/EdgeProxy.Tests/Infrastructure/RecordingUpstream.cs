using System.Collections.Concurrent;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// An upstream that records every request that reaches it (method, Host, path, headers), so a test can assert
/// what arrived and that a refused request never arrived at all. Answers <c>upstream:{host}{path}</c>.
/// </summary>
public sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly ConcurrentQueue<Seen> _requests = new();
    private TestUpstream _app = null!;

    public sealed record Seen(string Method, string Host, string Path, IReadOnlyDictionary<string, string> Headers);

    public string Url => _app.Url;

    public IReadOnlyCollection<Seen> Requests => _requests;

    public static async Task<RecordingUpstream> StartAsync()
    {
        var upstream = new RecordingUpstream();
        upstream._app = await TestUpstream.StartAsync(app => app.Run(context => // every path, file-like ones too (MapFallback skips those)
        {
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            upstream._requests.Enqueue(new Seen(context.Request.Method, context.Request.Host.Value ?? string.Empty, context.Request.Path.Value ?? string.Empty, headers));
            return context.Response.WriteAsync($"upstream:{context.Request.Host}{context.Request.Path}");
        }));
        return upstream;
    }

    /// <summary>Every request that arrived for <paramref name="path"/>.</summary>
    public IReadOnlyList<Seen> For(string path) => [.. _requests.Where(r => r.Path == path)];

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
