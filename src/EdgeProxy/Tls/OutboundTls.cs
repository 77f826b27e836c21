using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.Tls;

/// <summary>
/// How EdgeProxy checks the certificate of every TLS server it connects to (upstreams, JWT issuers, OCSP responders,
/// the ACME CA): against the system roots, or only the given ones, with what the server sent, and <b>never a download</b>.
/// On Linux, .NET fetches an issuer the server left out (the certificate's AIA URL) and CRLs synchronously inside the
/// handshake, for up to 15 s, on the thread that completed the handshake's read: with socket completions inline (EdgeProxy's
/// default) that thread serves other connections too, clients' included, so one upstream with an incomplete chain and an
/// unreachable CA host stalled healthy routes (<c>InlineCompletionsStallTests</c>). nginx and HAProxy never fetch
/// either: a server must send its intermediates. Revocation of servers' certificates is not checked (as before: .NET's
/// client default, and nginx's).
/// </summary>
internal static class OutboundTls
{
    /// <summary>A new policy (SslStream copies it per connection); SslStream adds the serverAuth usage itself.</summary>
    public static X509ChainPolicy ChainPolicy(X509Certificate2Collection? roots = null)
    {
        var policy = new X509ChainPolicy { DisableCertificateDownloads = true, RevocationMode = X509RevocationMode.NoCheck };
        if (roots is not null)
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(roots);
        }

        return policy;
    }
}
