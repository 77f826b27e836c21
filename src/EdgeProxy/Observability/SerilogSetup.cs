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
                logger.WriteTo.Console(outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
            }

            extra?.Invoke(logger);
        }, preserveStaticLogger: true); // each host logs through its own logger: several in one process (tests) must not share Log.Logger
    }
}
