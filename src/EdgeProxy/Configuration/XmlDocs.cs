using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace EdgeProxy.Configuration;

/// <summary>
/// The summaries of EdgeProxy's own XML docs (EdgeProxy.xml beside the assembly): an options property's docs are
/// its user documentation, so the schema shows them in the editor.
/// </summary>
internal sealed partial class XmlDocs
{
    private readonly Dictionary<string, string> _summaries = new(StringComparer.Ordinal);

    public XmlDocs(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        foreach (var member in XDocument.Load(path).Descendants("member"))
        {
            if (member.Attribute("name")?.Value is { } name && member.Element("summary") is { } summary)
            {
                _summaries[name] = Text(summary);
            }
        }
    }

    public static XmlDocs ForEdgeProxy() => new(Path.Combine(AppContext.BaseDirectory, typeof(XmlDocs).Assembly.GetName().Name + ".xml"));

    public string? Of(MemberInfo? member) => member switch
    {
        Type type => _summaries.GetValueOrDefault("T:" + type.FullName?.Replace('+', '.')),
        PropertyInfo property => _summaries.GetValueOrDefault($"P:{property.DeclaringType?.FullName?.Replace('+', '.')}.{property.Name}"),
        FieldInfo field => _summaries.GetValueOrDefault($"F:{field.DeclaringType?.FullName?.Replace('+', '.')}.{field.Name}"),
        _ => null,
    };

    private static string Text(XElement summary)
    {
        var parts = summary.Nodes().Select(node => node switch
        {
            XText text => text.Value,
            XElement { Name.LocalName: "see" or "seealso" } see => see.Attribute("langword")?.Value ?? see.Attribute("cref")?.Value.Split('.', ':')[^1] ?? see.Value,
            XElement { Name.LocalName: "paramref" or "typeparamref" } reference => reference.Attribute("name")?.Value ?? string.Empty,
            XElement element => Text(element),
            _ => string.Empty,
        });
        return Whitespace().Replace(string.Concat(parts), " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
