using System.Net.Security;
using System.Security.Authentication;

namespace EdgeProxy.Tls;

internal static class TlsDefaults
{
    /// <summary>The file EdgeProxy ships next to its binaries; <c>OPENSSL_CONF</c> pointing at it makes <see cref="OpenSslDefaultIsStrict"/> true.</summary>
    public const string OpenSslConfigFile = "openssl.cnf";

    private static readonly Lazy<IReadOnlyList<TlsCipherSuite>> Probe = new(() => OperatingSystem.IsLinux() ? OpenSslDefaultSuites.Tls12() : []);

    /// <summary>The TLS 1.2 part of <see cref="CipherSuites"/>; <c>Tls/openssl.cnf</c> names the same six.</summary>
    public static IReadOnlySet<TlsCipherSuite> Tls12Suites { get; } = new HashSet<TlsCipherSuite>
    {
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    };

    /// <summary>
    /// Forward-secret AEAD suites only (Mozilla "intermediate" without DHE): what testssl.sh rates without
    /// findings, and what every browser of the last decade offers. Linux only; elsewhere the OS decides.
    /// </summary>
    public static CipherSuitesPolicy? CipherSuites { get; } = OperatingSystem.IsLinux()
        ? new CipherSuitesPolicy(
        [
            TlsCipherSuite.TLS_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
            .. Tls12Suites,
        ])
        : null;

    /// <summary>The TLS 1.2 suites OpenSSL enables in this process when no policy is given (Linux; empty elsewhere).</summary>
    public static IReadOnlyList<TlsCipherSuite> OpenSslDefaultTls12 => Probe.Value;

    /// <summary>
    /// Whether OpenSSL's own default already allows only <see cref="Tls12Suites"/> for TLS 1.2, as it does under the
    /// <c>openssl.cnf</c> EdgeProxy ships (<c>OPENSSL_CONF</c> names it unless the environment names another file:
    /// <see cref="ShippedOpenSslConfig"/>). Then no listener needs a policy.
    /// </summary>
    public static bool OpenSslDefaultIsStrict => Probe.Value is { Count: > 0 } offered && offered.All(Tls12Suites.Contains);

    /// <summary>
    /// The policy for a listener: none when OpenSSL's default is already strict, and none when the listener speaks
    /// TLS 1.3 only (every TLS 1.3 suite is forward-secret AEAD). Otherwise the restriction must be per listener,
    /// at a price: on Linux any <see cref="CipherSuitesPolicy"/> stops .NET from caching the OpenSSL context per
    /// certificate, so each handshake builds a new one (~40% more CPU per full handshake, see bench/) and
    /// sessions are never resumed.
    /// </summary>
    public static CipherSuitesPolicy? For(SslProtocols protocols) =>
        protocols == SslProtocols.Tls13 || CipherSuites is null || OpenSslDefaultIsStrict ? null : CipherSuites;
}
