namespace EdgeProxy.Configuration;

/// <summary>
/// Refuses every key <see cref="ConfigModel"/> does not know, in every layer (the file, <c>Section__Key</c>
/// environment variables, command-line overrides), each FAIL naming the key, where it came from and the key most
/// likely meant. A misspelt key is otherwise ignored in silence, and some of them silently turn a protection off.
/// </summary>
internal static class UnknownKeyCheck
{
    public static void Check(IConfiguration config, ConfigReport report)
    {
        var found = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var layer in ConfigLayer.Of(config))
        {
            foreach (var top in layer.Children(null))
            {
                if (ConfigModel.Root.Keys.TryGetValue(top, out var section))
                {
                    Walk(layer, top, section, found);
                }
                else if (top.StartsWith(ConfigModel.OpenTelemetryPrefix, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                else if (layer.LayerKind != ConfigLayer.Kind.Environment || ConfigModel.Sections.Any(s => KeySuggestion.Distance(top.ToUpperInvariant(), s.ToUpperInvariant()) <= 2))
                {
                    // The environment holds every variable of the process (EDGEPROXY_CONFIG, PATH ...): only a name one or
                    // two letters from a section is a misspelt one of ours.
                    Unknown(layer, top, ConfigModel.Root, null, found);
                }
            }
        }

        foreach (var (key, message) in found)
        {
            report.Fail(key, message);
        }
    }

    private static void Walk(ConfigLayer layer, string path, ConfigNode node, Dictionary<string, string> found)
    {
        switch (node)
        {
            case SectionNode section:
                foreach (var key in layer.Children(path))
                {
                    var child = $"{path}:{key}";
                    if (section.Keys.TryGetValue(key, out var known))
                    {
                        Walk(layer, child, known, found);
                    }
                    else
                    {
                        Unknown(layer, child, section, path, found);
                    }
                }

                break;
            case MapNode map:
                foreach (var key in layer.Children(path))
                {
                    Walk(layer, $"{path}:{key}", map.Entry, found);
                }

                break;
            case ListNode list:
                foreach (var key in layer.Children(path))
                {
                    Walk(layer, $"{path}:{key}", list.Item, found);
                }

                break;
            case MetadataNode metadata:
                foreach (var key in layer.Children(path).Where(k => k.StartsWith(MetadataNode.Prefix, StringComparison.OrdinalIgnoreCase)))
                {
                    if (metadata.EdgeProxyKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
                    {
                        Walk(layer, $"{path}:{key}", new ValueNode(typeof(string)), found);
                    }
                    else
                    {
                        UnknownMetadata(layer, $"{path}:{key}", key, metadata, path, found);
                    }
                }

                break;
            case ValueNode { AcceptsList: false } when layer.Children(path).Any():
                found.TryAdd(path, $"takes a single value, not a section or a list{layer.Origin(path)}");
                break;
        }
    }

    private static void Unknown(ConfigLayer layer, string path, SectionNode parent, string? parentPath, Dictionary<string, string> found)
    {
        var key = path[(path.LastIndexOf(':') + 1)..];
        string fix;
        if (KeySuggestion.Nearest(key, parent.Keys.Keys) is { } nearest)
        {
            fix = $"did you mean {(parentPath is null ? nearest : $"{parentPath}:{nearest}")}?";
        }
        else if (ConfigModel.PathsOf(key).Take(3).ToList() is { Count: > 0 } elsewhere)
        {
            fix = $"it belongs elsewhere: {string.Join(" or ", elsewhere)}";
        }
        else
        {
            fix = $"the keys here are {string.Join(", ", parent.Keys.Keys.Where(k => k != ConfigModel.SchemaKey).Order(StringComparer.Ordinal))}";
        }

        found.TryAdd(path, $"unknown key{layer.Origin(path)}; {fix}");
    }

    private static void UnknownMetadata(ConfigLayer layer, string path, string key, MetadataNode metadata, string parentPath, Dictionary<string, string> found)
    {
        string fix;
        if (KeySuggestion.Nearest(key, metadata.EdgeProxyKeys) is { } nearest)
        {
            fix = $"did you mean {parentPath}:{nearest}?";
        }
        else if (ConfigModel.PathsOf(key).Take(2).ToList() is { Count: > 0 } elsewhere)
        {
            fix = $"it belongs elsewhere: {string.Join(" or ", elsewhere)}";
        }
        else
        {
            fix = metadata.EdgeProxyKeys.Count == 0
                ? "no EdgeProxy metadata key applies here"
                : $"EdgeProxy reads {string.Join(", ", metadata.EdgeProxyKeys)} here";
        }

        found.TryAdd(path, $"unknown key{layer.Origin(path)}; {fix}");
    }
}
