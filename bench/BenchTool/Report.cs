using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeProxy.Bench;

/// <summary>
/// Turns the run's samples (one JSON object per line: workload, target, round and flat metrics) into one
/// markdown table per workload (median with min–max, then the ratios EdgeProxy/X of the medians) and a JSON
/// document for comparison across commits.
/// </summary>
internal static class Report
{
    private static readonly (string Key, string Title)[] Workloads =
    [
        ("h1", "HTTP/1.1 keep-alive (wrk)"),
        ("h2", "HTTP/2 (h2load)"),
        ("tls", "Full TLS handshake per connection (openssl s_time -new)"),
        ("tls12", "Full TLS 1.2 handshake per connection (openssl s_time -new -tls1_2)"),
        ("resume", "New connection per request, TLS session resumed where the server allows (wrk, Connection: close)"),
        ("sse", "SSE delivery delay"),
        ("mem", "Memory: RSS at start and per idle WebSocket"),
        ("peak", "Memory under a 64-connection keep-alive load (wrk -c64) and after it, idle"),
    ];

    private static readonly Dictionary<string, string> MetricTitles = new()
    {
        ["rps"] = "req/s",
        ["p50_ms"] = "p50 ms",
        ["p99_ms"] = "p99 ms",
        ["cpu_us"] = "proxy CPU µs/req",
        ["alloc_b"] = "allocated B/req",
        ["hs_per_s"] = "handshakes/s",
        ["cpu_us_hs"] = "proxy CPU µs/handshake",
        ["delivered_pct"] = "events delivered %",
        ["max_ms"] = "max ms",
        ["rss_start_mb"] = "RSS start MB",
        ["kb_per_ws"] = "KB per idle WebSocket",
        ["ws_open"] = "WebSockets held",
        ["rss_peak_mb"] = "RSS peak MB",
        ["rss_idle_mb"] = "RSS after idle MB",
    };

    private static readonly string[] TargetOrder = ["edgeproxy", "edgeproxy+log", "edgeproxy+json", "plain-yarp", "nginx", "haproxy", "direct"];

    private static readonly (string Target, string Label)[] RatioBases = [("nginx", "EdgeProxy/nginx"), ("plain-yarp", "EdgeProxy/plain-YARP"), ("direct", "EdgeProxy/direct")];

    public static int Run(Options options)
    {
        var samples = File.ReadAllLines(options.Get("samples"))
            .Where(l => l.Trim().Length > 0)
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .ToList();
        var meta = File.Exists(options.Get("meta", "")) ? JsonNode.Parse(File.ReadAllText(options.Get("meta")))! : new JsonObject();
        var md = new StringBuilder();
        if (meta["date"] is not null)
        {
            md.Append(CultureInfo.InvariantCulture,
                $"{meta["mode"]} run {meta["date"]}, commit {meta["commit"]}{((bool?)meta["dirty"] == true ? " (with uncommitted changes)" : "")}; {meta["cores"]} × {meta["cpu"]}, {meta["memory"]}, Linux {meta["kernel"]}, .NET SDK {meta["dotnet"]}, nginx {meta["nginx"]}, HAProxy {meta["haproxy"]}; load average {meta["load_at_start"]} at start, {meta["load_at_end"]} at end.\n");
            md.Append(CultureInfo.InvariantCulture, $"Loads: {meta["settings"]}.\n\n");
        }

        var json = new JsonObject { ["meta"] = meta.DeepClone() };
        var workloadsJson = new JsonObject();
        json["workloads"] = workloadsJson;

        foreach (var (key, title) in Workloads)
        {
            var rows = samples.Where(s => (string?)s["workload"] == key).ToList();
            if (rows.Count == 0)
            {
                continue;
            }

            var metrics = rows.SelectMany(r => r.Select(p => p.Key)).Where(k => k is not ("workload" or "target" or "round")).Distinct().ToList();
            var targets = rows.Select(r => (string)r["target"]!).Distinct().OrderBy(t => Array.IndexOf(TargetOrder, t) is var i && i < 0 ? 99 : i).ToList();
            var stats = new Dictionary<(string Target, string Metric), (double Median, double Min, double Max, List<double> Values)>();
            foreach (var target in targets)
            {
                foreach (var metric in metrics)
                {
                    var values = rows.Where(r => (string)r["target"]! == target && r[metric] is not null)
                        .Select(r => r[metric]!.GetValue<double>()).Where(v => !double.IsNaN(v)).Order().ToList();
                    if (values.Count > 0)
                    {
                        stats[(target, metric)] = (Median(values), values[0], values[^1], values);
                    }
                }
            }

            var rounds = rows.Select(r => (int)r["round"]!).Distinct().Count();
            md.Append(CultureInfo.InvariantCulture, $"### {title}\n\n");
            md.Append("| target | ").Append(string.Join(" | ", metrics.Select(m => MetricTitles.GetValueOrDefault(m, m)))).Append(" |\n");
            md.Append("|---|").Append(string.Concat(metrics.Select(_ => "---|"))).Append('\n');
            var workloadJson = new JsonObject { ["title"] = title, ["rounds"] = rounds };
            var targetsJson = new JsonObject();
            foreach (var target in targets)
            {
                md.Append("| ").Append(target).Append(" | ");
                md.Append(string.Join(" | ", metrics.Select(m => stats.TryGetValue((target, m), out var s) ? Cell(s.Median, s.Min, s.Max) : "—")));
                md.Append(" |\n");
                var t = new JsonObject();
                foreach (var m in metrics.Where(m => stats.ContainsKey((target, m))))
                {
                    var s = stats[(target, m)];
                    t[m] = new JsonObject { ["median"] = s.Median, ["min"] = s.Min, ["max"] = s.Max, ["samples"] = new JsonArray([.. s.Values.Select(v => (JsonNode)v)]) };
                }

                targetsJson[target] = t;
            }

            var ratiosJson = new JsonObject();
            foreach (var (baseTarget, label) in RatioBases.Where(b => targets.Contains(b.Target) && targets.Contains("edgeproxy")))
            {
                md.Append("| *").Append(label).Append("* | ");
                var r = new JsonObject();
                md.Append(string.Join(" | ", metrics.Select(m =>
                {
                    if (!stats.TryGetValue(("edgeproxy", m), out var a) || !stats.TryGetValue((baseTarget, m), out var b) || b.Median == 0)
                    {
                        return "—";
                    }

                    var ratio = a.Median / b.Median;
                    r[m] = Math.Round(ratio, 3);
                    return ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×";
                })));
                md.Append(" |\n");
                ratiosJson[label] = r;
            }

            md.Append(CultureInfo.InvariantCulture, $"\n{rounds} interleaved round(s); median (min–max).\n\n");
            workloadJson["targets"] = targetsJson;
            workloadJson["ratios"] = ratiosJson;
            workloadsJson[key] = workloadJson;
        }

        File.WriteAllText(options.Get("json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(options.Get("markdown"), md.ToString());
        Console.Write(md.ToString());
        return 0;
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

    private static string Cell(double median, double min, double max) =>
        min == max ? Format(median) : $"{Format(median)} ({Format(min)}–{Format(max)})";

    private static string Format(double v) => Math.Abs(v) switch
    {
        >= 1000 => (v / 1000).ToString("0.0", CultureInfo.InvariantCulture) + "k",
        >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => v.ToString("0.0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
