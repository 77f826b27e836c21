using System.Net.Security;
using EdgeProxy.ClientCertificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.Tls;

/// <summary>
/// The handshake options for one certificate + settings pair. Built once per certificate version and
/// reused by every handshake, so a handshake allocates nothing here.
/// </summary>
internal sealed class TlsProfile(ReloadableCertificate certificate, TlsSettings settings, ClientCertificateHandshake? clientCertificates = null)
{
    private Built? _built;

    public ReloadableCertificate Certificate { get; } = certificate;

    public TlsSettings Settings { get; } = settings;

    /// <summary>
    /// Whether a request under <paramref name="other"/>'s name may be served on a connection made under this profile:
    /// the same certificate (the same files) and the same TLS versions, HTTP protocols and client-certificate mode.
    /// </summary>
    public bool SamePolicy(TlsProfile? other) =>
        ReferenceEquals(this, other)
        || (other is not null
            && ReferenceEquals(Certificate, other.Certificate)
            && Settings.SslProtocols == other.Settings.SslProtocols
            && Settings.Protocols == other.Settings.Protocols
            && Settings.ClientCertificateMode == other.Settings.ClientCertificateMode);

    public SslServerAuthenticationOptions GetOptions(ConnectionContext connection)
    {
        var options = GetOptions();
        return Settings.ClientCertificateMode == ClientCertificateMode.NoCertificate || clientCertificates is null
            ? options
            : clientCertificates.CreateOptions(options, Settings.ClientCertificateMode, connection); // per connection: the verdict is stored on it
    }

    public SslServerAuthenticationOptions GetOptions()
    {
        var current = Certificate.Current;
        var built = _built;
        if (built is null || !ReferenceEquals(built.Certificate, current))
        {
            built = new Built(current, Create(current));
            _built = built;
        }

        return built.Options;
    }

    private SslServerAuthenticationOptions Create(LoadedCertificate certificate) => new()
    {
        ServerCertificateContext = certificate.Context,
        EnabledSslProtocols = Settings.SslProtocols,
        ApplicationProtocols = Alpn(Settings.Protocols),
        CipherSuitesPolicy = TlsDefaults.For(Settings.SslProtocols),
        ClientCertificateRequired = false,
        AllowRenegotiation = false,
    };

    private static List<SslApplicationProtocol> Alpn(HttpProtocols protocols) => protocols switch
    {
        HttpProtocols.Http1 => [SslApplicationProtocol.Http11],
        HttpProtocols.Http2 => [SslApplicationProtocol.Http2],
        _ => [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
    };

    private sealed record Built(LoadedCertificate Certificate, SslServerAuthenticationOptions Options);
}
