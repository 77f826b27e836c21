namespace EdgeProxy.Configuration;

/// <summary>
/// <c>EdgeProxy [run|check|health] [--config PATH] [Section:Key=value ...]</c>. Whatever is not
/// ours is handed to the ASP.NET Core command-line configuration provider.
/// </summary>
internal sealed record CommandLine(string Command, string? ConfigPath, string[] ConfigArgs)
{
    public const string ConfigEnvironmentVariable = "EDGEPROXY_CONFIG";

    public static readonly string[] Commands = ["run", "check", "health"];

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var command = "run";
        string? configPath = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (i == 0 && Commands.Contains(arg, StringComparer.OrdinalIgnoreCase))
            {
                command = arg.ToLowerInvariant();
            }
            else if (arg is "--config" or "-c" && i + 1 < args.Count)
            {
                configPath = args[++i];
            }
            else if (arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                configPath = arg["--config=".Length..];
            }
            else
            {
                rest.Add(arg);
            }
        }

        configPath ??= Environment.GetEnvironmentVariable(ConfigEnvironmentVariable);
        return new CommandLine(command, string.IsNullOrWhiteSpace(configPath) ? null : configPath, [.. rest]);
    }
}
