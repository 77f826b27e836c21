using EdgeProxy.Configuration;
using Serilog.Events;

namespace EdgeProxy.Observability;

/// <summary>
/// The <c>Serilog</c> section's own keys, as Serilog.Settings.Configuration reads them. What goes inside a sink's
/// <c>Args</c> belongs to the sink; the sink names themselves are checked by <see cref="SerilogSinkCheck"/>.
/// </summary>
internal static class SerilogKeys
{
    public const string SectionName = "Serilog";

    public static SectionNode Build()
    {
        var level = new ValueNode(typeof(LogEventLevel)) { Description = "Verbose, Debug, Information, Warning, Error or Fatal." };
        var minimumLevel = new SectionNode(new Dictionary<string, ConfigNode>(StringComparer.OrdinalIgnoreCase)
        {
            ["Default"] = level with { Description = "The level of every logger without an override. Default Information." },
            ["Override"] = new MapNode(level, "logger") { Description = "Per logger name prefix (e.g. EdgeProxy.AccessLog, Yarp, Microsoft.AspNetCore): the most specific wins." },
            ["ControlledBy"] = new ValueNode(typeof(string)),
        }, AcceptsValue: true)
        { Description = "A level, or Default and Override." };
        var calls = new OpenNode { Description = "A list of { \"Name\": method, \"Args\": { ... } }." };

        var section = new SectionNode();
        section.Keys["Using"] = new ListNode(new ValueNode(typeof(string))) { Description = "Assemblies to find sinks in, beyond those whose name contains Serilog." };
        section.Keys["MinimumLevel"] = minimumLevel;
        section.Keys["WriteTo"] = calls with { Description = "Sinks. Without it EdgeProxy writes human-readable lines to the console." };
        section.Keys["AuditTo"] = calls;
        section.Keys["Enrich"] = calls;
        section.Keys["Filter"] = calls;
        section.Keys["Destructure"] = calls;
        section.Keys["Properties"] = new MapNode(new ValueNode(typeof(string)), "property") { Description = "Properties added to every event." };
        section.Keys["LevelSwitches"] = new MapNode(level, "switch");
        section.Keys["FilterSwitches"] = new MapNode(new ValueNode(typeof(string)), "switch");
        return section;
    }
}
