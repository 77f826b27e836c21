using EdgeProxy.Observability;
using EdgeProxy.Proxy;
using EdgeProxy.Tls;

namespace EdgeProxy.Configuration;

/// <summary>
/// Every key EdgeProxy reads, as one tree: each options type of <see cref="OptionsTable"/> at its section (its properties
/// read by reflection, so a new property is a known key without a list to update), the Kestrel keys
/// EdgeProxy binds itself, YARP's route and cluster shapes, and Serilog's section keys. Built once per process.
/// </summary>
internal static class ConfigModel
{
    public const string SchemaKey = "$schema";

    /// <summary>
    /// OpenTelemetry's own settings (<c>OTEL_BSP_SCHEDULE_DELAY</c>, <c>OTEL_SERVICE_NAME</c> ...), which its SDK reads from the
    /// configuration as top-level keys: theirs to validate, not ours.
    /// </summary>
    public const string OpenTelemetryPrefix = "OTEL_";

    private static readonly Lazy<SectionNode> Model = new(Build);

    /// <summary>The top-level sections; other top-level keys of the environment are not EdgeProxy's.</summary>
    public static IReadOnlyList<string> Sections { get; } = [Configuration.EdgeProxyOptions.SectionName, KestrelKeys.SectionName, ReverseProxyConfigValidator.SectionName, SerilogKeys.SectionName];

    public static SectionNode Root => Model.Value;

    /// <summary>Every place a key named <paramref name="name"/> may go, e.g. <c>EdgeProxy:Certificates:Acme</c> for "Acme".</summary>
    public static IEnumerable<string> PathsOf(string name)
    {
        var found = new List<string>();
        Find(Root, null, name, found);
        return found;
    }

    private static void Find(ConfigNode node, string? path, string name, List<string> found)
    {
        switch (node)
        {
            case SectionNode section:
                foreach (var (key, child) in section.Keys)
                {
                    var childPath = path is null ? key : $"{path}:{key}";
                    if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
                    {
                        found.Add(childPath);
                    }

                    Find(child, childPath, name, found);
                }

                break;
            case MapNode map:
                Find(map.Entry, $"{path}:<{map.EntryName}>", name, found);
                break;
            case ListNode list:
                Find(list.Item, $"{path}:<index>", name, found);
                break;
            case MetadataNode metadata:
                found.AddRange(metadata.EdgeProxyKeys.Where(k => k.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(k => $"{path}:{k}"));
                break;
        }
    }

    private static SectionNode Build()
    {
        var root = new SectionNode();
        root.Keys[SchemaKey] = new ValueNode(typeof(string)) { Description = "The JSON Schema editors check this file against: config/appsettings.schema.json." };
        root.Keys[KestrelKeys.SectionName] = KestrelKeys.Build() with { Description = "Listeners: the standard ASP.NET Core Kestrel schema, bound by EdgeProxy itself." };
        root.Keys[ReverseProxyConfigValidator.SectionName] = ReverseProxyKeys.Build() with { Description = "Routes and clusters: the standard YARP schema. Reloaded with the file." };
        root.Keys[SerilogKeys.SectionName] = SerilogKeys.Build() with { Description = "Logging: Serilog, configured from this section." };
        foreach (var options in OptionsTable.All)
        {
            Merge(root, options.Section, (SectionNode)OptionsModel.Of(options.Type) with { Source = options.Type });
        }

        return root;
    }

    /// <summary>Puts <paramref name="section"/> at <paramref name="path"/>; two types bound to one section share it.</summary>
    private static void Merge(SectionNode root, string path, SectionNode section)
    {
        var parent = root;
        var segments = path.Split(':');
        foreach (var segment in segments[..^1])
        {
            if (!parent.Keys.TryGetValue(segment, out var child))
            {
                child = new SectionNode();
                parent.Keys[segment] = child;
            }

            parent = (SectionNode)child;
        }

        if (parent.Keys.TryGetValue(segments[^1], out var existing) && existing is SectionNode shared)
        {
            foreach (var (key, node) in section.Keys)
            {
                shared.Keys.TryAdd(key, node);
            }

            parent.Keys[segments[^1]] = shared with { Source = shared.Source ?? section.Source };
        }
        else
        {
            parent.Keys[segments[^1]] = section;
        }
    }
}
