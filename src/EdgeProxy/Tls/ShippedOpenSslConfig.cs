using EdgeProxy.Hosting;

namespace EdgeProxy.Tls;

/// <summary>
/// <c>OPENSSL_CONF</c> at the <c>openssl.cnf</c> shipped next to the binaries when the environment does not name a
/// file, so the bare run gets what the container gets: OpenSSL's own TLS 1.2 default restricted to the six
/// forward-secret AEAD suites, no per-listener <see cref="System.Net.Security.CipherSuitesPolicy"/>, and with it .NET's
/// OpenSSL context cache and session resumption (<see cref="TlsDefaults.For"/>). OpenSSL reads the variable with the C
/// library's <c>getenv</c> when .NET first loads it, so it is set in the process's native environment, before anything
/// touches cryptography; <see cref="Environment.SetEnvironmentVariable(string, string)"/> alone changes only .NET's
/// copy. Linux with glibc only (elsewhere .NET does not use OpenSSL, or there is no <c>setenv</c> to find); any value
/// already set wins, so <c>OPENSSL_CONF=/etc/ssl/openssl.cnf</c> keeps the system's file (a FIPS or crypto-policy
/// setup), and then EdgeProxy restricts suites per listener as before.
/// </summary>
internal static class ShippedOpenSslConfig
{
    public const string Variable = "OPENSSL_CONF";

    private delegate int SetEnv(string name, string value, int overwrite);

    /// <summary>The file next to EdgeProxy's binaries.</summary>
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, TlsDefaults.OpenSslConfigFile);

    /// <summary>
    /// Points <c>OPENSSL_CONF</c> at <see cref="Path"/> when it is unset and the file exists; true when it did. Call
    /// first in <c>Main</c>: OpenSSL reads the variable once, when .NET loads it.
    /// </summary>
    public static bool UseUnlessSet()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Variable) is not null || !File.Exists(Path))
        {
            return false;
        }

        if (Glibc.Function<SetEnv>("setenv") is not { } setenv || setenv(Variable, Path, 0) != 0)
        {
            return false;
        }

        Environment.SetEnvironmentVariable(Variable, Path); // .NET's copy says the same (the start-up log reads it)
        return true;
    }
}
