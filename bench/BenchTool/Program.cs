using EdgeProxy.Bench;

// bench/run.sh drives these; each prints one JSON line (or a table) and exits by itself.
var options = Options.Parse(args.Skip(1));
return args.FirstOrDefault() switch
{
    "serve" => await StreamsUpstream.RunAsync(options),
    "sse" => await SseClient.RunAsync(options),
    "ws" => await WsClient.RunAsync(options),
    "report" => Report.Run(options),
    "alloc" => AllocReport.Run(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: BenchTool serve|sse|ws|report|alloc --key value ...");
    return 2;
}
