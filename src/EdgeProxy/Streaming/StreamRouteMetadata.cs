namespace EdgeProxy.Streaming;

/// <summary>Reads <c>EdgeProxy.Stream</c> (a mode) and <c>EdgeProxy.StreamPolicy</c> (a policy name) from a YARP route's metadata.</summary>
internal static class StreamRouteMetadata
{
    public const string Key = Proxy.RouteMetadataKeys.Stream;

    public const string PolicyKey = Proxy.RouteMetadataKeys.StreamPolicy;

    private static readonly StreamMode[] Modes = Enum.GetValues<StreamMode>();
    private static readonly string[] Names = Array.ConvertAll(Modes, m => m.ToString());

    /// <summary>The five mode names, for messages.</summary>
    public static string ModeList => string.Join(", ", Names);

    public static bool TryParse(string? value, out StreamMode mode)
    {
        mode = StreamMode.Auto;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        // Enum.TryParse would also accept numbers and comma lists; only the five names are the contract.
        var trimmed = value.AsSpan().Trim();
        for (var i = 0; i < Names.Length; i++)
        {
            if (trimmed.Equals(Names[i], StringComparison.OrdinalIgnoreCase))
            {
                mode = Modes[i];
                return true;
            }
        }

        return false;
    }

    /// <summary>A bad value never gets here at run time (validation refuses it), so it falls back to Auto.</summary>
    public static StreamMode Of(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(Key, out var value) && TryParse(value, out var mode) ? mode : StreamMode.Auto;
}
