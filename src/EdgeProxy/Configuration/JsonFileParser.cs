using Microsoft.Extensions.Configuration.Json;

namespace EdgeProxy.Configuration;

/// <summary>The framework's own JSON-to-keys flattening, reused so our file reads exactly like appsettings.json.</summary>
internal sealed class JsonFileParser : JsonConfigurationProvider
{
    private JsonFileParser()
        : base(new JsonConfigurationSource())
    {
    }

    /// <summary>Parses a configuration file; throws <see cref="InvalidDataException"/> naming the line on bad JSON.</summary>
    public static IDictionary<string, string?> Parse(string path)
    {
        using var stream = File.OpenRead(path);
        var parser = new JsonFileParser();
        try
        {
            parser.Load(stream);
        }
        catch (Exception ex) when (ex is not IOException)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {ex.InnerException?.Message ?? ex.Message}", ex);
        }

        return parser.Data;
    }
}
