using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// What EdgeProxy concluded about a connection's client certificate. <see cref="Verify"/> uses nginx's
/// <c>$ssl_client_verify</c> vocabulary (SUCCESS, FAILED:&lt;OpenSSL reason&gt;, NONE) so apps written for
/// nginx read it unchanged.
/// </summary>
internal sealed record ClientCertificateVerdict(bool Valid, string Verify, X509Certificate2? Issuer)
{
    public static readonly ClientCertificateVerdict None = new(false, "NONE", null);

    public static ClientCertificateVerdict Failed(string reason) => new(false, "FAILED:" + reason, null);
}
