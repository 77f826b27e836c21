using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using EdgeProxy.Configuration;
using Serilog.Configuration;
using Serilog.Events;

namespace EdgeProxy.Observability;

/// <summary>
/// What Serilog.Settings.Configuration would skip in silence: a sink name that resolves to no method (<c>Consol</c>,
/// or <c>console</c>: names are case-sensitive) is FAIL, a level that is not one is FAIL, and a <c>WriteTo</c> that
/// leaves no sink writing anywhere is WARN: the proxy would serve with no log output at all.
/// </summary>
internal static class SerilogSinkCheck
{
    private const string Section = SerilogKeys.SectionName;

    // Serilog looks for sink methods in the assemblies it is given (SerilogAssemblies), and in those under Using.

    public static void Check(IConfiguration config, ConfigReport report)
    {
        // Raw, as Serilog.Settings.Configuration reads it: the section has no options type, its meaning is Serilog's reading.
        var serilog = config.GetSection(Section);
        CheckLevels(serilog, report);
        var sinks = new[] { serilog.GetSection("WriteTo"), serilog.GetSection("AuditTo") };
        if (!sinks.Any(s => s.Exists()))
        {
            return; // no WriteTo: EdgeProxy's own console
        }

        var methods = Methods(serilog.GetSection("Using").GetChildren().Select(u => u.Value).OfType<string>());
        var writing = sinks.SelectMany(s => s.GetChildren()).Sum(entry => CountSinks(entry, methods, report));
        if (writing == 0 && !report.Failures.Any(f => f.Key.StartsWith(Section + ":", StringComparison.OrdinalIgnoreCase)))
        {
            report.Warn(Section + ":WriteTo", "no sink in it writes anywhere: the proxy would serve with no log output at all, errors and access log included. Remove WriteTo for the console, or add { \"Name\": \"Console\" }");
        }
    }

    /// <summary>The sinks an entry ends in: 1 for a sink, what it wraps for a wrapper (Async, Conditional), 0 when it does not resolve.</summary>
    private static int CountSinks(IConfigurationSection entry, ILookup<string, MethodInfo> methods, ConfigReport report)
    {
        var name = entry.Value ?? entry["Name"];
        var key = entry.Value is null ? entry.Path + ":Name" : entry.Path;
        if (string.IsNullOrWhiteSpace(name))
        {
            report.Fail(key, "missing: name the sink, e.g. \"Console\"");
            return 0;
        }

        if (!methods.Contains(name))
        {
            var nearest = KeySuggestion.Nearest(name, methods.Select(m => m.Key));
            report.Fail(key, $"'{name}' is not a sink Serilog can find (names are case-sensitive){(nearest is null ? string.Empty : $"; did you mean '{nearest}'?")} Sinks here: {string.Join(", ", methods.Select(m => m.Key).Order(StringComparer.Ordinal))}");
            return 0;
        }

        var wraps = methods[name].Any(m => m.GetParameters().Any(p => p.ParameterType == typeof(Action<LoggerSinkConfiguration>)));
        return wraps ? entry.GetSection("Args:configure").GetChildren().Sum(inner => CountSinks(inner, methods, report)) : 1;
    }

    private static void CheckLevels(IConfigurationSection serilog, ConfigReport report)
    {
        var minimum = serilog.GetSection("MinimumLevel");
        IEnumerable<IConfigurationSection> levels = minimum.Value is not null
            ? [minimum]
            : [minimum.GetSection("Default"), .. minimum.GetSection("Override").GetChildren(), .. serilog.GetSection("LevelSwitches").GetChildren()];
        foreach (var level in levels.Where(l => l.Value is not null))
        {
            if (!Enum.TryParse<LogEventLevel>(level.Value, ignoreCase: true, out _))
            {
                report.Fail(level.Path, $"'{level.Value}' is not a level; use {string.Join(", ", Enum.GetNames<LogEventLevel>())}");
            }
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = Hosting.Trimming.RootedAssemblies)]
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = Hosting.Trimming.RootedAssemblies)]
    private static ILookup<string, MethodInfo> Methods(IEnumerable<string> usings) => SerilogAssemblies.All
        .Concat(usings.Select(u => TryLoad(new AssemblyName(u))).OfType<Assembly>())
        .Distinct()
        .SelectMany(a => a.GetExportedTypes())
        .Where(t => t is { IsAbstract: true, IsSealed: true }) // static classes hold extension methods
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
        .Where(m => m.IsDefined(typeof(ExtensionAttribute)) && m.GetParameters() is [{ ParameterType: var first }, ..] && first == typeof(LoggerSinkConfiguration))
        .Concat(typeof(LoggerSinkConfiguration).GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.DeclaringType == typeof(LoggerSinkConfiguration)))
        .ToLookup(m => m.Name, StringComparer.Ordinal);

    private static Assembly? TryLoad(AssemblyName name)
    {
        try
        {
            return Assembly.Load(name);
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }
}
