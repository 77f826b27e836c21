using Serilog;

namespace EdgeProxy.Observability;

/// <summary>
/// The only place Serilog is configured: from the <c>Serilog</c> section, a human-readable console when
/// that section names no sink. Compact JSON is one setting away (see the reference config).
/// </summary>
internal static class SerilogSetup
{
    public const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public static IServiceCollection AddEdgeProxyLogging(this IServiceCollection services, IConfiguration configuration, Action<LoggerConfiguration>? extra)
    {
        return services.AddSerilog((_, logger) =>
        {
            logger.ReadFrom.Configuration(configuration).Enrich.FromLogContext();
            if (!configuration.GetSection("Serilog:WriteTo").Exists())
            {
                // Behind a queue: request threads hand the event over and one thread formats and writes. A console
                // sink written to directly takes a lock and a write(2) per event on the request thread, and under
                // load the threads queue on that lock (bench/README.md: access log on cost 2.5x the CPU per request).
                logger.WriteTo.Async(a => a.Console(outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture));
            }

            extra?.Invoke(logger);
        }, preserveStaticLogger: true); // a logger per host, never the process-wide Log.Logger: several hosts may share a process
    }
}
