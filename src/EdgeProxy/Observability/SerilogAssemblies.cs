using System.Reflection;

namespace EdgeProxy.Observability;

/// <summary>
/// The Serilog packages EdgeProxy ships, where Serilog.Settings.Configuration looks for the sinks, enrichers and formatters a
/// <c>Serilog</c> section names (and assemblies under <c>Using</c>, loaded by name). Named here rather than found through
/// the dependency manifest, which a native-AOT build has not: the same list in every build, rooted in the AOT build.
/// </summary>
internal static class SerilogAssemblies
{
    public static IReadOnlyList<Assembly> All { get; } =
    [
        typeof(Serilog.Log).Assembly,
        typeof(Serilog.AspNetCore.RequestLoggingOptions).Assembly,
        typeof(Serilog.Extensions.Hosting.DiagnosticContext).Assembly,
        typeof(Serilog.Extensions.Logging.SerilogLoggerProvider).Assembly,
        typeof(Serilog.Formatting.Compact.CompactJsonFormatter).Assembly,
        typeof(Serilog.Settings.Configuration.ConfigurationReaderOptions).Assembly,
        typeof(Serilog.LoggerConfigurationAsyncExtensions).Assembly,
        typeof(Serilog.ConsoleLoggerConfigurationExtensions).Assembly,
        typeof(Serilog.LoggerSinkConfigurationDebugExtensions).Assembly,
        typeof(Serilog.FileLoggerConfigurationExtensions).Assembly,
    ];
}
