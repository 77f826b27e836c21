namespace EdgeProxy.Configuration;

/// <summary>Reads list, boolean and enum keys for the validators, reporting a value of the wrong shape under its key.</summary>
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

    /// <summary>
    /// An enum key by name (numbers are refused: "1" is not a mode anyone means). <paramref name="key"/> is
    /// relative to <paramref name="config"/>; findings name the full key.
    /// </summary>
    public static T? ReadEnum<T>(IConfiguration config, string key, ConfigReport report)
        where T : struct, Enum
    {
        if (config[key] is not { } text)
        {
            return null;
        }

        key = config is IConfigurationSection { Path.Length: > 0 } section ? $"{section.Path}:{key}" : key;
        if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !text.Trim().All(char.IsAsciiDigit))
        {
            return value;
        }

        report.Fail(key, $"'{text}' is not one of {string.Join(", ", Enum.GetNames<T>())}");
        return null;
    }
}
