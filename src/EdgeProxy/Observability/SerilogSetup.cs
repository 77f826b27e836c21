using EdgeProxy.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace EdgeProxy.Observability;

/// <summary>
/// The only place Serilog is configured: from the <c>Serilog</c> section, EdgeProxy's own console when that
/// section names no sink, human-readable or compact JSON (<c>EdgeProxy:Console:Format</c>).
/// </summary>
internal static class SerilogSetup
{
    public const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// ASP.NET Core's per-request logger ("Request starting", "Request finished"). Whenever it is enabled at all,
    /// the host opens a logging scope per request, which Serilog keeps in an AsyncLocal: every later
    /// <c>Activity.Current</c> change in the request then copies a larger execution context (about 0.5 KB and
    /// several µs per request, bench/README.md). EdgeProxy's access log replaces those lines, so it is off unless
    /// the Serilog section names it (<c>Serilog:MinimumLevel:Override:Microsoft.AspNetCore.Hosting.Diagnostics</c>).
    /// </summary>
    public const string HostingDiagnostics = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>
    /// YARP's forwarder logs every failed exchange at Warning with its stack trace, and EdgeProxy's error-page
    /// middleware logs the same failure with route, cluster and destination: two stack traces per refused
    /// connection. YARP's category is held at Error unless the Serilog section names it, or asks for YARP's
    /// detail (its nearest <c>Yarp…</c> override, or the default level, below Warning).
    /// </summary>
    public const string ForwarderLog = "Yarp.ReverseProxy.Forwarder.HttpForwarder";

    /// <summary>
    /// The categories held at Error for the reason <see cref="ForwarderLog"/> is: YARP's load balancer and forwarder
    /// middleware each warn "No available destinations" for a request the error page reports as its 503.
    /// </summary>
    public static readonly string[] RepeatedYarpLogs = [ForwarderLog, "Yarp.ReverseProxy.Forwarder.ForwarderMiddleware", "Yarp.ReverseProxy.LoadBalancing.LoadBalancingMiddleware"];

    private const string OverrideKey = "Serilog:MinimumLevel:Override:";

    public static IServiceCollection AddEdgeProxyLogging(this IServiceCollection services, IConfiguration configuration, Action<LoggerConfiguration>? extra)
    {
        var format = BoundOptions.Get<ConsoleLogOptions>(configuration).Format;
        services.AddSingleton<ConsoleLogOutput>();
        return services.AddSerilog((provider, logger) =>
        {
            logger.ReadFrom.Configuration(configuration, new Serilog.Settings.Configuration.ConfigurationReaderOptions([.. SerilogAssemblies.All])).Enrich.FromLogContext();
            if (configuration[OverrideKey + HostingDiagnostics] is null)
            {
                logger.MinimumLevel.Override(HostingDiagnostics, LevelAlias.Off);
            }

            foreach (var category in RepeatedYarpLogs.Where(c => !AsksFor(configuration, c)))
            {
                logger.MinimumLevel.Override(category, LogEventLevel.Error);
            }

            if (!Names(configuration, "WriteTo"))
            {
                // Behind a queue: request threads hand the event over and the writing happens elsewhere. A console
                // sink written to directly takes a lock and a write(2) per event on the request thread, and under
                // load the threads queue on that lock (bench/README.md: access log on cost 2.5x the CPU per request).
                if (Console.IsOutputRedirected || format == ConsoleLogFormat.CompactJson)
                {
                    // Containers and services: what gathered in 20 ms, in one write (colours are off here anyway).
                    var sink = new BatchedConsoleSink(Formatter(format), Console.OpenStandardOutput(), format);
                    logger.WriteTo.Sink(sink);

                    // The access log skips Serilog's pipeline unless something there would see or change its events:
                    // an audit sink, enrichers, filters and properties from the section, or a sink of the host's own (tests).
                    if (extra is null && !Names(configuration, "AuditTo", "Enrich", "Filter", "Properties"))
                    {
                        provider.GetRequiredService<ConsoleLogOutput>().Sink = sink;
                    }
                }
                else
                {
                    // A terminal: Serilog's console sink, with its colours.
                    logger.WriteTo.Async(a => a.Console(outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            // A port in use is reported by Program in one FAIL line naming its key; the host's error and stack trace add nothing.
            logger.Filter.ByExcluding(Hosting.AddressInUse.IsHostStartFailure);
            // An affinity key folder that cannot be used is reported as a finding naming EdgeProxy:DataPath; data protection's stack trace adds nothing.
            logger.Filter.ByExcluding(Proxy.SessionAffinityKeys.IsCheckNoise);
            extra?.Invoke(logger);

            // Last, after every enricher the Serilog section adds: no client-supplied control character reaches any sink.
            logger.Enrich.With(LogValueEscaper.Instance);
        }, preserveStaticLogger: true); // a logger per host, never the process-wide Log.Logger: several hosts may share a process
    }

    /// <summary>The formatter of EdgeProxy's own console, the layout <see cref="AccessLogLine"/> writes too.</summary>
    internal static ITextFormatter Formatter(ConsoleLogFormat format) => format == ConsoleLogFormat.CompactJson
        ? new CompactJsonFormatter()
        : new MessageTemplateTextFormatter(ConsoleTemplate, System.Globalization.CultureInfo.InvariantCulture);

    // Raw: the Serilog section is Serilog's to read, and it reads it raw.
    private static bool Names(IConfiguration configuration, params string[] keys) => keys.Any(k => configuration.GetSection("Serilog:" + k).Exists());

    /// <summary>
    /// Whether the Serilog section names <paramref name="category"/> itself, or sets its nearest prefix (Serilog's
    /// rule: the most specific override wins), or else the default level, below Warning.
    /// </summary>
    internal static bool AsksFor(IConfiguration configuration, string category)
    {
        if (configuration[OverrideKey + category] is not null)
        {
            return true;
        }

        for (var dot = category.LastIndexOf('.'); dot > 0; dot = category.LastIndexOf('.', dot - 1))
        {
            if (configuration[OverrideKey + category[..dot]] is { } level)
            {
                return BelowWarning(level);
            }
        }

        return BelowWarning(configuration["Serilog:MinimumLevel:Default"] ?? configuration["Serilog:MinimumLevel"]);
    }

    private static bool BelowWarning(string? level) => Enum.TryParse<LogEventLevel>(level, ignoreCase: true, out var value) && value < LogEventLevel.Warning;
}
