using EdgeProxy.Configuration;
using Microsoft.AspNetCore.DataProtection;
using Serilog.Events;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Proxy;

/// <summary>
/// YARP's <c>Cookie</c> and <c>CustomHeader</c> affinity policies protect the destination they name with ASP.NET Core data
/// protection, whose keys EdgeProxy keeps under <c>EdgeProxy:DataPath</c>/keys. A folder that cannot hold them would
/// fail every such request once it is proxied (as a 502 blamed on the upstream), so a start or a reload that
/// configures such a policy first protects one byte: that loads the key ring, creating and writing its first key.
/// (<c>HashCookie</c>, YARP's default, and <c>ArrCookie</c> only hash the destination and need no key.)
/// </summary>
internal static class SessionAffinityKeys
{
    private static readonly string[] ProtectedPolicies = ["Cookie", "CustomHeader"];

    /// <summary>Set while <see cref="Check"/> loads the key ring, on the thread that loads it (data protection logs inline).</summary>
    private static readonly AsyncLocal<bool> Checking = new();

    /// <summary>The clusters whose affinity needs the key ring.</summary>
    public static IReadOnlyList<string> Users(IReadOnlyList<ClusterConfig> clusters) =>
        [.. clusters.Where(c => c.SessionAffinity is { Enabled: true, Policy: { } policy } && ProtectedPolicies.Contains(policy, StringComparer.OrdinalIgnoreCase))
            .Select(c => c.ClusterId)];

    /// <summary>Fails <c>EdgeProxy:DataPath</c> when a cluster needs the key ring and it cannot be loaded or created.</summary>
    public static void Check(IServiceProvider services, string keysFolder, IReadOnlyList<ClusterConfig> clusters, ConfigReport report)
    {
        var users = Users(clusters);
        if (users.Count == 0)
        {
            return;
        }

        Checking.Value = true;
        try
        {
            services.GetRequiredService<IDataProtectionProvider>().CreateProtector("EdgeProxy.SessionAffinityKeys").Protect([0]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or InvalidOperationException)
        {
            report.Fail("EdgeProxy:DataPath", $"the session-affinity keys cannot be kept in '{keysFolder}' ({Reason(ex)}); " +
                $"cluster{(users.Count == 1 ? "" : "s")} {string.Join(", ", users.Select(u => $"'{u}'"))} use{(users.Count == 1 ? "s" : "")} SessionAffinity " +
                "policy Cookie or CustomHeader, which protects the destination with them: make the folder writable by EdgeProxy, or use the HashCookie policy");
        }
        finally
        {
            Checking.Value = false;
        }
    }

    /// <summary>
    /// Data protection's own errors while <see cref="Check"/> loads the key ring: its error and stack trace ("An error
    /// occurred while reading the key ring") before the finding that names <c>EdgeProxy:DataPath</c> read as a crash.
    /// The finding says it all (a refused start's FAIL line, a refused reload's log line). Its information and warnings
    /// (a key created, stored unencrypted) pass, and so does its error at run time (a key rotation that fails), where it
    /// is the report.
    /// </summary>
    public static bool IsCheckNoise(LogEvent e) =>
        e.Level >= LogEventLevel.Error && Checking.Value && e.Properties.TryGetValue(Serilog.Core.Constants.SourceContextPropertyName, out var source) && source is ScalarValue { Value: string context }
        && context.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal);

    /// <summary>The innermost message: the file system's own words (a missing folder, a read-only file system, a denied write).</summary>
    private static string Reason(Exception ex)
    {
        while (ex.InnerException is { } inner)
        {
            ex = inner;
        }

        return ex.Message.TrimEnd('.');
    }
}
