namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// First thing a public request meets: decides who the client is and removes every identity header (the
/// forwarded family and <c>X-Auth-Request-*</c>), so
/// nothing later (access log, allowlists, YARP, the upstream) can read a value we did not vouch for.
/// An untrusted peer is the client and its listener's scheme is the scheme; a trusted peer's chain is
/// walked (<see cref="ClientResolver"/>) and the result kept as a <see cref="ForwardedClient"/> feature.
/// </summary>
internal sealed partial class TrustedProxiesMiddleware(RequestDelegate next, TrustedProxiesState state, ILogger<TrustedProxiesMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var connection = context.Connection;
        var peer = connection.RemoteIpAddress;
        if (peer is not null)
        {
            if (peer.IsIPv4MappedToIPv6)
            {
                // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; logs and upstreams want a.b.c.d.
                peer = peer.MapToIPv4();
                connection.RemoteIpAddress = peer;
            }

            var settings = state.Current;
            if (settings.Networks.Contains(peer))
            {
                var client = ClientResolver.Resolve(peer, context.Request.Headers, settings.Networks, settings.Source);
                context.Features.Set(client);
                connection.RemoteIpAddress = client.Client;
                if (client.StoppedEarly)
                {
                    Log.ChainStoppedEarly(logger, peer.ToString(), client.Client.ToString());
                }
            }
        }

        RemoveIdentityHeaders(context.Request.Headers);
        return next(context);
    }

    /// <summary>
    /// One pass over the (few) headers the request has rather than a removal attempt for each of the ~40
    /// names: about three times cheaper, and nothing is allocated unless a header has to go.
    /// </summary>
    private static void RemoveIdentityHeaders(IHeaderDictionary headers)
    {
        string? first = null;
        List<string>? more = null;
        foreach (var header in headers)
        {
            if (IdentityHeaders.IsSpoofable(header.Key))
            {
                if (first is null)
                {
                    first = header.Key;
                }
                else
                {
                    (more ??= []).Add(header.Key);
                }
            }
        }

        if (first is null)
        {
            return;
        }

        headers.Remove(first);
        foreach (var name in more ?? [])
        {
            headers.Remove(name);
        }
    }

    private static partial class Log
    {
        // Debug: a client can cause this at will; it explains "why is the client my balancer?" without flooding logs.
        [LoggerMessage(EventIds.ForwardedChainStoppedEarly, LogLevel.Debug,
            "Forwarded chain from trusted peer {Peer} has an entry that is not an address (or more than 32 hops); client taken as {ClientIp}")]
        public static partial void ChainStoppedEarly(ILogger logger, string peer, string clientIp);
    }
}
