using EdgeProxy.Hosting;

namespace EdgeProxy.Configuration;

/// <summary>The one-screen usage text printed by <c>--help</c> and after a usage error.</summary>
internal static class CommandLineUsage
{
    public const int UsageErrorExitCode = 2;

    public static string Text => $"""
        {ProductVersion.Display}: a TLS-terminating reverse proxy on YARP and Kestrel.

        Usage: EdgeProxy [command] [options] [Section:Key=value ...]

        Commands:
          run           serve with the configuration (the default command)
          check         validate the configuration and list every finding (OK/WARN/FAIL);
                        binds no port and writes no file
          health        ask the admin listener of the same configuration for /readyz
          help          print this text (also -h, --help)

        Options:
          -c, --config PATH   the configuration file (also --config=PATH). Default: the
                              {CommandLine.ConfigEnvironmentVariable} environment variable, else config/appsettings.json
                              in the working folder
          --version           print the version and exit

        Overrides, the last one wins: built-in defaults < file < environment < command line
          Section:Key=value           on the command line, e.g. EdgeProxy:ShutdownTimeout=60s
          Section__Key=value          as an environment variable, e.g. EdgeProxy__Admin__Urls=http://0.0.0.0:9901

        Exit codes:
          0   ok (run: stopped cleanly; check: no FAIL; health: ready)
          1   configuration invalid, a port already in use, or not ready
          2   usage error: unknown command or option

        Every key with its default: config/appsettings.reference.json
        """;
}
