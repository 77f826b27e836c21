namespace EdgeProxy.Streaming;

/// <summary>Reads <c>EdgeProxy.Stream</c> from a YARP route's metadata.</summary>
internal static class StreamRouteMetadata
{
    public const string Key = "EdgeProxy.Stream";

    public static bool TryParse(string? value, out StreamMode mode)
    {
        mode = StreamMode.Auto;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        // Enum.TryParse would also accept numbers and comma lists; only the five names are the contract.
        foreach (var candidate in Enum.GetValues<StreamMode>())
        {
            if (string.Equals(value.Trim(), candidate.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                mode = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>Per request: a bad value never gets here (validation refuses it), so it falls back to Auto.</summary>
    public static StreamMode Of(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(Key, out var value) && TryParse(value, out var mode) ? mode : StreamMode.Auto;
}
