using System.Net.Security;
using System.Security.Authentication;

namespace EdgeProxy.Tls;

internal static class TlsDefaults
{
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
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ])
        : null;

    /// <summary>
    /// The policy for a listener: none when it speaks TLS 1.3 only, because every TLS 1.3 suite is already
    /// forward-secret AEAD (OpenSSL's TLS 1.3 defaults are exactly the three above) and, on Linux, any
    /// <see cref="CipherSuitesPolicy"/> stops .NET from caching the OpenSSL context per certificate: each
    /// handshake then builds a new one (measured in bench/: ~40% more CPU per handshake) and sessions
    /// can never be resumed.
    /// </summary>
    public static CipherSuitesPolicy? For(SslProtocols protocols) => protocols == SslProtocols.Tls13 ? null : CipherSuites;
}
