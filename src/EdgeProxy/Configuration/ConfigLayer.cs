using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace EdgeProxy.Configuration;

/// <summary>
/// One configuration layer as the unknown-key check sees it: its keys below a path, and how to name where a key
/// came from (an environment variable or a command-line override; the file needs no name).
/// </summary>
internal sealed class ConfigLayer
{
    private readonly Func<string?, IEnumerable<string>> _children;
    private readonly Func<string, string?> _value;

    private ConfigLayer(Kind kind, Func<string?, IEnumerable<string>> children, Func<string, string?> value)
    {
        LayerKind = kind;
        _children = children;
        _value = value;
    }

    public enum Kind
    {
        File,
        Environment,
        CommandLine,
    }

    public Kind LayerKind { get; }

    public static IEnumerable<ConfigLayer> Of(IConfiguration config) => config is IConfigurationRoot root
        ? root.Providers.Select(Of)
        : [new ConfigLayer(Kind.File, path => (path is null ? config : config.GetSection(path)).GetChildren().Select(c => c.Key), path => config[path])];

    private static ConfigLayer Of(IConfigurationProvider provider) => new(
        provider switch
        {
            EnvironmentVariablesConfigurationProvider => Kind.Environment,
            CommandLineConfigurationProvider => Kind.CommandLine,
            _ => Kind.File,
        },
        path => provider.GetChildKeys([], path).Distinct(StringComparer.OrdinalIgnoreCase),
        path => provider.TryGet(path, out var value) ? value : null);

    public IEnumerable<string> Children(string? path) => _children(path);

    /// <summary>" (environment variable EdgeProxy__Hstss__MaxAge)" for the first key set under <paramref name="path"/>; empty for the file.</summary>
    public string Origin(string path)
    {
        if (LayerKind == Kind.File)
        {
            return string.Empty;
        }

        var leaf = path;
        while (Children(leaf).FirstOrDefault() is { } child)
        {
            leaf = $"{leaf}:{child}";
        }

        return LayerKind == Kind.Environment
            ? $" (environment variable {leaf.Replace(":", "__", StringComparison.Ordinal)})"
            : $" (command-line override {leaf}={_value(leaf)})";
    }
}
