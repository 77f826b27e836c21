using System.Reflection;

namespace EdgeProxy.Proxy;

/// <summary>
/// Every <c>EdgeProxy.*</c> key a cluster's (or a destination's) <c>Metadata</c> may carry; <c>check</c> refuses any
/// other key with that prefix. None yet: a capability that reads one adds its constant here.
/// </summary>
internal static class ClusterMetadataKeys
{
    public static IReadOnlyList<string> All { get; } = [.. typeof(ClusterMetadataKeys).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!)];
}
