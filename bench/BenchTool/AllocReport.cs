using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace EdgeProxy.Bench;

/// <summary>
/// <c>alloc --trace F.nettrace --requests N [--baseline B.nettrace --baseline-requests M] [--type T]</c>: bytes
/// allocated per request by type, from the GC AllocationTick samples of a <c>dotnet-trace --profile gc-verbose</c>
/// trace (one sample per ~100 KB, so small types are estimates). With a baseline, the types sorted by what the
/// traced process allocates beyond it; with <c>--type</c>, the call stacks that allocate that type.
/// </summary>
internal static class AllocReport
{
    public static int Run(Options options)
    {
        var (byType, stacks) = Read(options.Get("trace"), options.Get("type", ""));
        var requests = double.Parse(options.Get("requests"), System.Globalization.CultureInfo.InvariantCulture);
        var baseline = options.Get("baseline", "") is { Length: > 0 } b ? Read(b, "").ByType : [];
        var baselineRequests = double.Parse(options.Get("baseline-requests", "1"), System.Globalization.CultureInfo.InvariantCulture);

        Console.WriteLine($"allocated per request: {byType.Values.Sum() / requests:0} B" + (baseline.Count > 0 ? $" (baseline {baseline.Values.Sum() / baselineRequests:0} B)" : ""));
        Console.WriteLine("   extra     this baseline  type");
        foreach (var type in byType.Keys.Union(baseline.Keys)
            .Select(t => (Type: t, This: byType.GetValueOrDefault(t) / requests, Base: baseline.GetValueOrDefault(t) / baselineRequests))
            .OrderByDescending(t => t.This - t.Base).Take(40))
        {
            Console.WriteLine($"{type.This - type.Base,8:0} {type.This,8:0} {type.Base,8:0}  {type.Type}");
        }

        foreach (var (stack, bytes) in stacks.OrderByDescending(s => s.Value).Take(10))
        {
            Console.WriteLine($"\n{bytes / requests:0} B/request:\n  {stack}");
        }

        return 0;
    }

    private static (Dictionary<string, double> ByType, Dictionary<string, double> Stacks) Read(string path, string stackType)
    {
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(path));
        var byType = new Dictionary<string, double>();
        var stacks = new Dictionary<string, double>();
        foreach (var data in log.Events)
        {
            if (data is not GCAllocationTickTraceData tick)
            {
                continue;
            }

            byType[tick.TypeName] = byType.GetValueOrDefault(tick.TypeName) + tick.AllocationAmount64;
            if (tick.TypeName == stackType)
            {
                var frames = new List<string>();
                for (var frame = data.CallStack(); frame is not null && frames.Count < 8; frame = frame.Caller)
                {
                    frames.Add(frame.CodeAddress.FullMethodName ?? "?");
                }

                var key = string.Join("\n  <- ", frames);
                stacks[key] = stacks.GetValueOrDefault(key) + tick.AllocationAmount64;
            }
        }

        return (byType, stacks);
    }
}
