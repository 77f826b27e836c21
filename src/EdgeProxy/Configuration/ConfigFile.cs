namespace EdgeProxy.Configuration;

/// <summary>The JSON file EdgeProxy reads: explicit (<c>--config</c>, <c>EDGEPROXY_CONFIG</c>) or the default.</summary>
internal sealed record ConfigFile(string FullPath, bool IsExplicit)
{
    public const string DefaultRelativePath = "config/appsettings.json";

    /// <summary>The key findings about the file itself are reported under.</summary>
    public const string Key = "--config";

    public static ConfigFile Resolve(string? path, string contentRoot) => path is null
        ? new ConfigFile(Path.GetFullPath(Path.Combine(contentRoot, DefaultRelativePath)), IsExplicit: false)
        : new ConfigFile(Path.GetFullPath(Path.Combine(contentRoot, path)), IsExplicit: true);
}
