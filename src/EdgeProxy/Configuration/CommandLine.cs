namespace EdgeProxy.Configuration;

/// <summary>
/// <c>EdgeProxy [run|check|health|help] [--config PATH] [Section:Key=value ...]</c>, plus <c>--help</c> and
/// <c>--version</c>. Overrides are handed to the ASP.NET Core command-line configuration provider; anything
/// else is a usage error, found before a port is bound or a file written.
/// </summary>
internal sealed record CommandLine(string Command, string? ConfigPath, string[] ConfigArgs)
{
    public const string ConfigEnvironmentVariable = "EDGEPROXY_CONFIG";

    public const string Run = "run";
    public const string Check = "check";
    public const string Health = "health";
    public const string Help = "help";
    public const string Version = "version";

    /// <summary>The commands an operator types; <c>version</c> is reached through <c>--version</c> only.</summary>
    public static readonly string[] Commands = [Run, Check, Health, Help];

    /// <summary>Parses <paramref name="args"/>; a usage error throws <see cref="UsageException"/> naming the argument.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        string? command = null;
        string? configPath = null;
        var overrides = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "-h" or "--help":
                    command = Help;
                    break;
                case "--version":
                    command = Version;
                    break;
                case "-c" or "--config":
                    if (i + 1 >= args.Count || args[i + 1].Length == 0)
                    {
                        throw new UsageException($"{arg} needs a file path");
                    }

                    configPath = args[++i];
                    break;
                default:
                    if (arg.StartsWith("--config=", StringComparison.Ordinal))
                    {
                        configPath = arg["--config=".Length..];
                    }
                    else if (IsOverride(arg))
                    {
                        overrides.Add(arg);
                    }
                    else if (i == 0 && Commands.Contains(arg, StringComparer.OrdinalIgnoreCase))
                    {
                        command = arg.ToLowerInvariant();
                    }
                    else
                    {
                        throw new UsageException(arg.StartsWith('-')
                            ? $"unknown option '{arg}'"
                            : i == 0 ? $"unknown command '{arg}'" : $"unexpected argument '{arg}' (an override is Section:Key=value)");
                    }

                    break;
            }
        }

        if (configPath is { Length: 0 })
        {
            throw new UsageException("--config needs a file path");
        }

        configPath ??= Environment.GetEnvironmentVariable(ConfigEnvironmentVariable);
        return new CommandLine(command ?? Run, string.IsNullOrWhiteSpace(configPath) ? null : configPath, [.. overrides]);
    }

    /// <summary>
    /// <c>Section:Key=value</c>, optionally written <c>--Section:Key=value</c> as ASP.NET Core also accepts it. The
    /// colon is required so that a mistyped option (<c>--confg=x</c>) is an error, not a silent top-level key.
    /// </summary>
    private static bool IsOverride(string arg)
    {
        var body = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg;
        var equals = body.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return false;
        }

        var key = body.AsSpan(0, equals);
        return key.Contains(':') && key[0] is not (':' or '-' or '/') && key[^1] != ':' && !key.ContainsAny(" \t");
    }
}
