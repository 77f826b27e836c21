using System.Reflection;

namespace EdgeProxy.Hosting;

/// <summary>
/// The version an operator quotes in a bug report: the assembly's informational version, which the SDK
/// builds as <c>Version+commit</c> when the source is a git checkout (or <c>-p:SourceRevisionId=</c> is given).
/// </summary>
internal static class ProductVersion
{
    private static readonly string Informational =
        typeof(ProductVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The version without build metadata, e.g. <c>0.9.0</c>.</summary>
    public static string Version => Informational.Split('+')[0];

    /// <summary>The commit the build was made from, shortened to 12 characters, or null when the build did not know it.</summary>
    public static string? Commit
    {
        get
        {
            var plus = Informational.IndexOf('+', StringComparison.Ordinal);
            if (plus < 0 || plus == Informational.Length - 1)
            {
                return null;
            }

            var commit = Informational[(plus + 1)..];
            return commit.Length > 12 ? commit[..12] : commit;
        }
    }

    /// <summary><c>EdgeProxy 0.9.0 (commit 0123456789ab)</c>, or without the commit when it is unknown.</summary>
    public static string Display => Commit is { } commit ? $"EdgeProxy {Version} (commit {commit})" : $"EdgeProxy {Version}";
}
