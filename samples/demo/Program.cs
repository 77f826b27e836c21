using EdgeProxy.Demo;

// `dotnet run --project samples/demo` starts the demo upstream and EdgeProxy on config/appsettings.json
// (the shipped config routes everything to the upstream). `--upstream-only` starts just the upstream.
var upstreamOnly = args.Contains("--upstream-only");
var url = Environment.GetEnvironmentVariable("DEMO_UPSTREAM_URL") ?? DemoUpstream.DefaultUrl;
var upstream = DemoUpstream.Build(url);
if (upstreamOnly)
{
    await upstream.RunAsync();
    return 0;
}

await upstream.StartAsync();
Console.WriteLine($"Demo upstream listening on {url}; starting EdgeProxy (https://localhost:8443, http://localhost:8080, admin http://127.0.0.1:9901)");
var exitCode = await EdgeProxy.Program.Main([.. args.Where(a => a != "--upstream-only")]);
await upstream.StopAsync();
return exitCode;
