using EdgeProxy.ClientCertificates.Revocation;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// How long a <c>RequireCertificate</c> handshake may block for a revocation answer that is not in memory (an OCSP
/// request on its way). SslStream's certificate callback is synchronous, so waiting holds a thread-pool thread: at
/// most <see cref="MaxWaiting"/> handshakes wait at once, each no longer than the OCSP timeout. A verdict that is not
/// waited for is settled by <see cref="ClientCertificateConnectionGate"/> after the handshake, before any request.
/// CRL verdicts and cached OCSP answers are synchronous and never wait.
/// </summary>
internal sealed class HandshakeVerdictWait(TimeSpan timeout, int maxWaiting)
{
    /// <summary>
    /// Enough for the handful of new certificates a burst of browsers brings while one OCSP request per certificate is
    /// in flight (concurrent handshakes with one certificate share it), small next to the thread pool's injection of
    /// threads for blocked waits.
    /// </summary>
    public const int DefaultMaxWaiting = 16;

    // The OCSP request has its own timeout; the margin covers its completion being scheduled.
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);

    private int _waiting;

    public HandshakeVerdictWait(RevocationSettings settings)
        : this(settings.Mode is RevocationMode.Ocsp or RevocationMode.CrlOrOcsp ? settings.OcspTimeout + Margin : Margin, DefaultMaxWaiting)
    {
    }

    public int MaxWaiting => maxWaiting;

    /// <summary>True when <paramref name="verdict"/> has completed, waiting for it when a slot is free.</summary>
    public bool TryComplete(Task verdict)
    {
        if (verdict.IsCompleted)
        {
            return true;
        }

        if (Interlocked.Increment(ref _waiting) > maxWaiting)
        {
            Interlocked.Decrement(ref _waiting);
            return false;
        }

        try
        {
            // Task.Wait (not a wait handle) tells the thread pool this thread is blocked, so it adds threads to run the
            // OCSP request's continuations.
            verdict.Wait(timeout);
        }
        catch (AggregateException)
        {
            // Faulted or cancelled (shutdown): completed; the caller refuses it.
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        return verdict.IsCompleted;
    }
}
