using System.Reflection;

namespace EdgeProxy.Proxy;

/// <summary>
/// Every <c>EdgeProxy.*</c> key a cluster's (or a destination's) <c>Metadata</c> may carry; <c>check</c> refuses any
/// other key with that prefix. A capability that reads a new one adds its constant here.
/// </summary>
internal static class ClusterMetadataKeys
{
    /// <summary>How long a request waits for a destination to come back (EdgeProxy:Retries:TryDuration for this cluster).</summary>
    public const string TryDuration = "EdgeProxy.TryDuration";

    /// <summary>How often a waiting cluster's destinations are probed.</summary>
    public const string TryInterval = "EdgeProxy.TryInterval";

    /// <summary>How many requests may wait at once.</summary>
    public const string MaxHeld = "EdgeProxy.MaxHeld";

    /// <summary>How many times an idempotent request is sent again after a reset.</summary>
    public const string MaxRetries = "EdgeProxy.MaxRetries";

    /// <summary>The largest request body kept for a resend.</summary>
    public const string MaxRetryBodySize = "EdgeProxy.MaxRetryBodySize";

    public static IReadOnlyList<string> All { get; } = [.. typeof(ClusterMetadataKeys).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!)];
}
