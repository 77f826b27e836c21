using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// Set on the connection during the TLS handshake. The verdict is a task because OCSP is network I/O: with
/// <c>AllowCertificate</c> it may still be running when the handshake ends, and every request on the connection
/// awaits the same answer.
/// </summary>
internal sealed class ClientCertificateState(X509Certificate2? certificate, IReadOnlyList<X509Certificate2> chain, Task<ClientCertificateVerdict> verdict, bool required = false)
{
    public static readonly ClientCertificateState NotPresented = new(null, [], Task.FromResult(ClientCertificateVerdict.None));

    public X509Certificate2? Certificate { get; } = certificate;

    /// <summary>The intermediates the client sent after its leaf, in TLS order.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; } = chain;

    public Task<ClientCertificateVerdict> Verdict { get; } = verdict;

    /// <summary>
    /// The listener said <c>RequireCertificate</c>: no request may be read on this connection unless the verdict is
    /// valid (see <see cref="ClientCertificateConnectionGate"/> for a verdict that was not known during the handshake).
    /// </summary>
    public bool Required { get; } = required;
}
