namespace EdgeProxy.Acme;

/// <summary>Set on a connection whose ClientHello offers only <c>acme-tls/1</c>: a TLS-ALPN-01 validation.</summary>
internal sealed class TlsAlpnChallengeFeature
{
    public static readonly TlsAlpnChallengeFeature Instance = new();
}
