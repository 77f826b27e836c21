using Microsoft.AspNetCore.Connections;

namespace EdgeProxy.Acme;

/// <summary>
/// Connection middleware placed before TLS: looks at the ClientHello and marks TLS-ALPN-01 validations, then
/// hands every byte on untouched (nothing is consumed), so normal handshakes are never disturbed.
/// </summary>
internal static class TlsAlpnPeekMiddleware
{
    public const string AcmeTls1 = "acme-tls/1";
    private static readonly TimeSpan PeekTimeout = TimeSpan.FromSeconds(10);

    public static ConnectionDelegate Create(ConnectionDelegate next, TlsAlpnChallenges challenges) => async connection =>
    {
        if (challenges.IsEmpty)
        {
            await next(connection); // nothing pending: no peeking at all
            return;
        }

        var input = connection.Transport.Input;
        using (var timeout = new CancellationTokenSource(PeekTimeout))
        {
            while (true)
            {
                var read = await input.ReadAsync(timeout.Token);
                var result = ClientHelloAlpn.TryRead(read.Buffer, out var protocols);
                if (result == ClientHelloAlpn.Result.NeedMore && !read.IsCompleted)
                {
                    input.AdvanceTo(read.Buffer.Start, read.Buffer.End); // wait for the rest of the record
                    continue;
                }

                // Nothing consumed or examined: TLS reads the same bytes at once.
                input.AdvanceTo(read.Buffer.Start);
                if (protocols is [AcmeTls1])
                {
                    connection.Features.Set(TlsAlpnChallengeFeature.Instance);
                }

                break;
            }
        }

        await next(connection);
    };
}
