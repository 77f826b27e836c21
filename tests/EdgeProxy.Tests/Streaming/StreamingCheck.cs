using EdgeProxy.Configuration;
using EdgeProxy.Streaming;

namespace EdgeProxy.Tests.Streaming;

/// <summary>
/// <c>EdgeProxy:Streaming</c> the way <c>check</c> reads it: the bound options through their validator, the routes as
/// YARP's own reader reads them through the route check. Unknown keys are the model's (UnknownKeyTests).
/// </summary>
internal static class StreamingCheck
{
    public static (StreamingSettings Settings, ConfigReport Report) Run(Dictionary<string, string?> values)
    {
        var report = new ConfigReport();
        var config = ValueCheck.Check(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), report);
        var options = BoundOptions.Get<StreamingOptions>(config);
        new StreamingOptionsValidator(config).Check(options, report);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddReverseProxy().LoadFromConfig(config.GetSection("ReverseProxy"));
        using var provider = services.BuildServiceProvider();
        var routes = provider.GetRequiredService<Yarp.ReverseProxy.Configuration.IProxyConfigProvider>().GetConfig().Routes;
        StreamingRouteCheck.Check(options, StreamingOptionsValidator.KestrelBodyLimit(config), routes, report);
        return (StreamingOptionsValidator.Resolve(options, StreamingOptionsValidator.KestrelBodyLimit(config), new ConfigReport()), report);
    }
}
