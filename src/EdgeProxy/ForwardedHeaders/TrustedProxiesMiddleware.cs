namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// First thing a public request meets: decides who the client is and removes every identity header, so
/// nothing later (access log, allowlists, YARP, the upstream) can read a value we did not vouch for.
/// An untrusted peer is the client and its listener's scheme is the scheme; a trusted peer's chain is
/// walked (<see cref="ClientResolver"/>) and the result kept as a <see cref="ForwardedClient"/> feature.
/// </summary>
internal sealed class TrustedProxiesMiddleware(RequestDelegate next, TrustedProxiesState state)
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
            }
        }

        var headers = context.Request.Headers;
        foreach (var name in IdentityHeaders.All)
        {
            headers.Remove(name);
        }

        return next(context);
    }
}
