using System.Reflection;

namespace EdgeProxy.Configuration;

/// <summary>
/// One position in the configuration file as EdgeProxy reads it. The tree (<see cref="ConfigModel"/>) is what
/// knows every valid key: <c>check</c> walks it to refuse unknown keys, and the JSON Schema is written from it.
/// </summary>
internal abstract record ConfigNode
{
    /// <summary>What the key means, for the schema; from the option property's XML docs when it has one.</summary>
    public string? Description { get; init; }

    /// <summary>The option property the key binds to, when there is one (its XML docs describe it).</summary>
    public MemberInfo? Source { get; init; }
}

/// <summary>A single value; a list of values too when <see cref="AcceptsList"/> (flag enums such as SslProtocols).</summary>
internal sealed record ValueNode(Type Type, bool AcceptsList = false) : ConfigNode
{
    /// <summary>The value when the key is left out, for the schema.</summary>
    public object? Default { get; init; }
}

/// <summary>Named keys, each with its own meaning; <see cref="AcceptsValue"/> when a single value may stand for the section.</summary>
internal sealed record SectionNode(Dictionary<string, ConfigNode> Keys, bool AcceptsValue = false) : ConfigNode
{
    public SectionNode()
        : this(new Dictionary<string, ConfigNode>(StringComparer.OrdinalIgnoreCase))
    {
    }
}

/// <summary>Entries under names the operator chooses (routes, hosts, schemes), all of one shape.</summary>
internal sealed record MapNode(ConfigNode Entry, string EntryName) : ConfigNode;

/// <summary>A list: keys 0, 1, 2 ...</summary>
internal sealed record ListNode(ConfigNode Item) : ConfigNode;

/// <summary>
/// YARP <c>Metadata</c>: free string keys, except that a key starting with <c>EdgeProxy</c> must be one EdgeProxy
/// reads (<paramref name="EdgeProxyKeys"/>); a misspelt one would silently turn a protection off.
/// </summary>
internal sealed record MetadataNode(IReadOnlyList<string> EdgeProxyKeys) : ConfigNode
{
    public const string Prefix = "EdgeProxy";
}

/// <summary>Anything: a part of the file another library interprets (YARP transforms, Serilog sink arguments).</summary>
internal sealed record OpenNode : ConfigNode;
