using System.Diagnostics;
using System.Globalization;

namespace EdgeProxy.Bench;

/// <summary>
/// Opens <c>--streams</c> concurrent SSE streams (HTTP/1.1, one connection each) and measures, per event,
/// the delay from the upstream's write timestamp to the moment the client read the line. Prints one JSON line.
/// </summary>
internal static class SseClient
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Get("url");
        var streams = options.Int("streams", 100);
        var events = options.Int("events", 20);
        var interval = options.Int("interval", 100);
        using var client = new HttpClient(Http.Handler()) { Timeout = TimeSpan.FromSeconds(options.Int("timeout", 30)) };

        // Warm the client's own code paths (and the TLS stack) before anything is measured.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => StreamAsync(client, $"{url}?events=2&interval=10", null)));

        var delays = new List<double>[streams];
        var failures = 0;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, streams).Select(async i =>
        {
            delays[i] = new List<double>(events);
            try
            {
                await StreamAsync(client, FormattableString.Invariant($"{url}?events={events}&interval={interval}"), delays[i]);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
            {
                Interlocked.Increment(ref failures);
            }
        }));

        var all = delays.SelectMany(d => d).Order().ToList();
        var expected = (long)streams * events;
        Console.WriteLine(FormattableString.Invariant(
            $"{{\"delivered\":{all.Count},\"expected\":{expected},\"failed_streams\":{failures},\"p50_ms\":{Http.Percentile(all, 50):0.###},\"p99_ms\":{Http.Percentile(all, 99):0.###},\"max_ms\":{(all.Count > 0 ? all[^1] : double.NaN):0.###},\"seconds\":{sw.Elapsed.TotalSeconds:0.##}}}"));
        return failures == 0 && all.Count == expected ? 0 : 1;
    }

    private static async Task StreamAsync(HttpClient client, string url, List<double>? delays)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url) { Version = new Version(1, 1) };
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (delays is not null && line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var nowUs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;
                var sentUs = long.Parse(line.AsSpan(6), CultureInfo.InvariantCulture);
                delays.Add((nowUs - sentUs) / 1000.0);
            }
        }
    }
}
