using EdgeProxy.Configuration;

namespace EdgeProxy.Authentication;

/// <summary>Reads list and boolean keys for the validators, reporting a value of the wrong shape under its key.</summary>
internal static class ConfigValues
{
    public static List<string> ReadList(IConfigurationSection section, string name, ConfigReport report)
    {
        var child = section.GetSection(name);
        if (child.Value is { Length: > 0 } single)
        {
            report.Fail(child.Path, $"must be a list: [\"{single}\"]");
            return [];
        }

        return child.GetChildren().Select(c => c.Value ?? string.Empty).ToList();
    }

    public static bool? ReadBool(IConfigurationSection section, string name, ConfigReport report)
    {
        if (section[name] is not { } text)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        report.Fail($"{section.Path}:{name}", $"'{text}' is not true or false");
        return null;
    }
}
