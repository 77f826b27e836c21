using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeProxy.Configuration;

/// <summary>
/// <c>config/appsettings.schema.json</c>, written from <see cref="ConfigModel"/>: the same tree <c>check</c> refuses unknown
/// keys with, so an editor completes exactly the keys EdgeProxy reads and underlines the rest. A test regenerates it
/// and fails when the committed file differs.
/// </summary>
internal static class ConfigSchema
{
    public const string FileName = "appsettings.schema.json";

    private static readonly JsonObject AnyString = new() { ["type"] = "string" };

    public static string Generate(XmlDocs docs)
    {
        var schema = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["title"] = "EdgeProxy configuration",
            ["description"] = "Every key EdgeProxy reads. Generated from its options types, Kestrel's endpoint keys and YARP's route and cluster shapes; `EdgeProxy check` refuses any other key. Every key with its default: config/appsettings.reference.json.",
        };
        foreach (var (key, value) in Node(ConfigModel.Root, docs))
        {
            schema[key] = value?.DeepClone();
        }

        schema["patternProperties"] = new JsonObject
        {
            ["^" + ConfigModel.OpenTelemetryPrefix] = new JsonObject { ["type"] = "string", ["description"] = "An OpenTelemetry SDK setting (OTEL_SERVICE_NAME, OTEL_BSP_SCHEDULE_DELAY ...), read by OpenTelemetry itself." },
        };

        return schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).ReplaceLineEndings("\n") + "\n";
    }

    private static JsonObject Node(ConfigNode node, XmlDocs docs)
    {
        var schema = node switch
        {
            SectionNode section => Section(section, docs),
            MapNode map => new JsonObject { ["type"] = "object", ["additionalProperties"] = Node(map.Entry, docs) },
            ListNode list => new JsonObject { ["type"] = "array", ["items"] = Node(list.Item, docs) },
            MetadataNode metadata => Metadata(metadata),
            ValueNode value => Value(value),
            _ => [],
        };

        if ((node.Description ?? docs.Of(node.Source)) is { Length: > 0 } description)
        {
            schema["description"] = description;
        }

        return schema;
    }

    private static JsonObject Section(SectionNode section, XmlDocs docs)
    {
        var properties = new JsonObject();
        foreach (var (key, child) in section.Keys.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            properties[key] = Node(child, docs);
        }

        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties, ["additionalProperties"] = false };
        return section.AcceptsValue ? new JsonObject { ["anyOf"] = new JsonArray(AnyString.DeepClone(), schema) } : schema;
    }

    /// <summary>Free string keys, but a name starting with EdgeProxy (any case) must be one EdgeProxy reads.</summary>
    private static JsonObject Metadata(MetadataNode metadata)
    {
        var known = new JsonArray([.. metadata.EdgeProxyKeys.Order(StringComparer.Ordinal).Select(k => JsonValue.Create(k))]);
        var prefix = "^" + string.Concat(MetadataNode.Prefix.Select(c => $"[{char.ToUpperInvariant(c)}{char.ToLowerInvariant(c)}]"));
        return new JsonObject
        {
            ["type"] = "object",
            ["additionalProperties"] = new JsonObject { ["type"] = "string" },
            ["propertyNames"] = new JsonObject { ["anyOf"] = new JsonArray(new JsonObject { ["enum"] = known }, new JsonObject { ["not"] = new JsonObject { ["pattern"] = prefix } }) },
        };
    }

    private static JsonObject Value(ValueNode value)
    {
        var type = Nullable.GetUnderlyingType(value.Type) ?? value.Type;
        var schema = type switch
        {
            _ when type == typeof(bool) => Either(new JsonObject { ["type"] = "boolean" }, "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$"),
            _ when type.IsEnum && value.AcceptsList => new JsonObject { ["anyOf"] = new JsonArray(AnyString.DeepClone(), new JsonObject { ["type"] = "array", ["items"] = Names(type) }) },
            _ when type.IsEnum => Names(type),
            _ when type == typeof(float) || type == typeof(double) || type == typeof(decimal) => Either(new JsonObject { ["type"] = "number" }, "^-?[0-9]+(\\.[0-9]+)?$"),
            _ when type.IsPrimitive => Either(new JsonObject { ["type"] = "integer" }, "^-?[0-9]+$"),
            _ => AnyString.DeepClone().AsObject(),
        };

        if (Default(value.Default) is { } fallback)
        {
            schema["default"] = fallback;
        }

        return schema;
    }

    /// <summary>The JSON type, or the same value written as a string (the configuration binder reads both).</summary>
    private static JsonObject Either(JsonObject json, string pattern) =>
        new() { ["anyOf"] = new JsonArray(json, new JsonObject { ["type"] = "string", ["pattern"] = pattern }) };

    private static JsonObject Names(Type type) => new() { ["type"] = "string", ["enum"] = new JsonArray([.. Enum.GetNames(type).Select(n => JsonValue.Create(n))]) };

    private static JsonValue? Default(object? value) => value switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        string { Length: > 0 } s => JsonValue.Create(s),
        TimeSpan t => JsonValue.Create(t.ToString("c", CultureInfo.InvariantCulture)),
        Duration d => JsonValue.Create(d.Value.ToString("c", CultureInfo.InvariantCulture)),
        Enum e => JsonValue.Create(e.ToString()),
        int or long => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        double d => JsonValue.Create(d),
        _ => null,
    };
}
