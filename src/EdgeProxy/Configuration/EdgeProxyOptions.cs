namespace EdgeProxy.Configuration;

/// <summary>Process-wide settings: the <c>EdgeProxy</c> section's top-level keys.</summary>
public sealed class EdgeProxyOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy</c>.</summary>
    public const string SectionName = "EdgeProxy";

    /// <summary>
    /// Folder for state EdgeProxy writes (generated certificates, later ACME account and certificates).
    /// Relative to the content root. Default <c>data</c>. Must be writable; in a container mount a volume here.
    /// </summary>
    public string DataPath { get; set; } = "data";

    /// <summary>
    /// How long in-flight requests may run after SIGTERM/SIGINT before they are cut. Default 30 s.
    /// Open streams and WebSockets count as in flight.
    /// </summary>
    public Duration ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><see cref="DataPath"/> as an absolute path; a relative one is taken from <paramref name="contentRoot"/>.</summary>
    /// <param name="contentRoot">The content root (the working directory) that a relative <see cref="DataPath"/> is under.</param>
    /// <returns>The full path of the data folder.</returns>
    public string ResolveDataPath(string contentRoot) => Path.GetFullPath(DataPath, contentRoot);
}
