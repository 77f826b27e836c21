using EdgeProxy.Tls;
using Microsoft.AspNetCore.Connections;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// Runs after the TLS handshake on listeners with <c>RequireCertificate</c>, before Kestrel reads a byte of HTTP.
/// A connection whose revocation verdict was not in memory during the handshake (an OCSP request on its way) waits
/// for it here, without holding a thread, and is closed if the certificate is refused: no request on it ever reaches
/// routing or an upstream.
/// </summary>
internal sealed partial class ClientCertificateConnectionGate(ILogger<ClientCertificateConnectionGate> logger)
{
    public ConnectionDelegate Create(ConnectionDelegate next) => connection =>
        connection.Features.Find<ClientCertificateState>() is { Required: true } state && !IsValid(state.Verdict)
            ? GateAsync(connection, state, next)
            : next(connection);

    private static bool IsValid(Task<ClientCertificateVerdict> verdict) => verdict.IsCompletedSuccessfully && verdict.Result.Valid;

    private async Task GateAsync(ConnectionContext connection, ClientCertificateState state, ConnectionDelegate next)
    {
        ClientCertificateVerdict verdict;
        try
        {
            verdict = await state.Verdict;
        }
        catch (OperationCanceledException)
        {
            return; // shutting down
        }

        if (!verdict.Valid)
        {
            // Returning without calling next closes the connection.
            Log.Closed(logger, connection.Features.Find<ListenerFeature>()?.Name ?? "-", state.Certificate?.Subject ?? "-", state.Certificate?.SerialNumber ?? "-", verdict.Verify);
            return;
        }

        await next(connection);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ClientCertificateRefusedAfterHandshake, LogLevel.Information, "Connection on {Endpoint} closed before any request (RequireCertificate): client certificate {Subject} serial {Serial}: {Verify}")]
        public static partial void Closed(ILogger logger, string endpoint, string subject, string serial, string verify);
    }
}
