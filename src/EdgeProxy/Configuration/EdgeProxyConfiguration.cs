namespace EdgeProxy.Configuration;

/// <summary>
/// The configuration layers, lowest first: built-in defaults, the operator's JSON file (kept at its last
/// good version), environment variables (<c>Section__Key</c>), command-line <c>Section:Key=value</c>.
/// </summary>
internal static class EdgeProxyConfiguration
{
    public static readonly TimeSpan FilePollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Adds the layers; returns the file layer so the host can attach validation and logging to reloads.</summary>
    public static LastGoodJsonConfigurationSource AddLayers(IConfigurationBuilder builder, ConfigFile file, string[] configArgs, bool watch)
    {
        var fileSource = new LastGoodJsonConfigurationSource(file, watch ? FilePollInterval : null);
        builder.AddInMemoryCollection(BuiltInDefaults.Values);
        builder.Add(fileSource);
        builder.AddEnvironmentVariables();
        builder.AddCommandLine(configArgs);
        return fileSource;
    }

    /// <summary>The configuration a reload would produce if <paramref name="candidate"/> replaced the file's data.</summary>
    public static IConfiguration WithCandidate(IDictionary<string, string?> candidate, string[] configArgs) => new ConfigurationBuilder()
        .AddInMemoryCollection(BuiltInDefaults.Values)
        .AddInMemoryCollection(candidate)
        .AddEnvironmentVariables()
        .AddCommandLine(configArgs)
        .Build();

    /// <summary>Findings about the file itself: missing, unreadable or not JSON. Returns false when it cannot be used.</summary>
    public static bool CheckFile(ConfigFile file, ConfigReport report)
    {
        if (!File.Exists(file.FullPath))
        {
            if (file.IsExplicit)
            {
                report.Fail(ConfigFile.Key, $"file '{file.FullPath}' not found");
                return false;
            }

            report.Warn(ConfigFile.Key, $"'{file.FullPath}' not found; running on built-in defaults (self-signed TLS on :8443, redirect on :8080, no routes)");
            return true;
        }

        try
        {
            JsonFileParser.Parse(file.FullPath);
            report.Ok(ConfigFile.Key, file.FullPath);
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            report.Fail(ConfigFile.Key, ex.Message);
            return false;
        }
    }
}
