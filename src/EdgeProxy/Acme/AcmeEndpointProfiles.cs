using System.Runtime.CompilerServices;
using EdgeProxy.ClientCertificates;
using EdgeProxy.Tls;

namespace EdgeProxy.Acme;

/// <summary>
/// The TLS profiles one https endpoint uses for ACME-managed names: its own settings with the host's ACME
/// certificate, or <paramref name="pending"/> (the self-signed one) until that certificate exists.
/// </summary>
internal sealed class AcmeEndpointProfiles(AcmeCertificates certificates, TlsAlpnChallenges tlsAlpn, TlsSettings settings, ClientCertificateHandshake? clientCertificates, TlsProfile? pending)
{
    private readonly ConditionalWeakTable<ReloadableCertificate, TlsProfile> _profiles = [];

    /// <summary>The TLS-ALPN-01 answer when this connection is a validation (acme-tls/1 only) for a pending name.</summary>
    public System.Net.Security.SslServerAuthenticationOptions? Challenge(Microsoft.AspNetCore.Connections.ConnectionContext connection, string? serverName) =>
        connection.Features.Find<TlsAlpnChallengeFeature>() is null ? null : tlsAlpn.Find(serverName);

    public TlsProfile? Find(string serverName)
    {
        if (!certificates.IsManaged(serverName))
        {
            return null;
        }

        var certificate = certificates.Get(serverName);
        return certificate is null
            ? pending
            : _profiles.GetValue(certificate, c => new TlsProfile(c, settings with { Certificate = c.Spec }, clientCertificates));
    }
}
