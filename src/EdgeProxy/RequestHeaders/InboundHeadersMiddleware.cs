using EdgeProxy.ClientCertificates;
using EdgeProxy.ForwardedHeaders;
using Microsoft.Extensions.Primitives;

namespace EdgeProxy.RequestHeaders;

/// <summary>
/// First thing a public request meets, and the only place inbound headers are removed. It decides who the client
/// is (a trusted peer's chain is walked by <see cref="ClientResolver"/> and kept as a <see cref="ForwardedClient"/>
/// feature), lets a trusted terminator's certificate header be read (<see cref="TrustedCertificateIntake"/>), and
/// then removes every header on the strip list (<see cref="StripRules"/>), so nothing later (access log,
/// allowlists, routing, YARP, the upstream) can read a value EdgeProxy did not vouch for. Method-override headers
/// are held back as a <see cref="MethodOverrideRequest"/> for the route to decide on.
/// </summary>
internal sealed partial class InboundHeadersMiddleware(
    RequestDelegate next, TrustedProxiesState trust, StripRulesState rules, TrustedCertificateIntake certificates, ILogger<InboundHeadersMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var trusted = ResolveClient(context);

        // One pass over the request's (few) headers rather than a removal attempt for each of the ~100 listed
        // names; nothing is allocated unless a header has to go.
        var headers = context.Request.Headers;
        var strip = rules.Current;
        List<string>? remove = null;
        List<KeyValuePair<string, StringValues>>? overrides = null;
        var certificate = false;
        string? unsendable = null;
        foreach (var header in headers)
        {
            if (unsendable is null && !IsAscii(header.Value))
            {
                unsendable = header.Key;
            }

            if (!strip.TryClassify(header.Key, out var rule) || (trusted && rule.Action == HeaderAction.StripUnlessTrusted && strip.IsAcceptedSpelling(header.Key)))
            {
                continue;
            }

            (remove ??= []).Add(header.Key);
            certificate |= rule.Family == HeaderFamily.Certificate;
            if (rule.Action == HeaderAction.MethodOverride)
            {
                (overrides ??= []).Add(header);
            }
        }

        if (unsendable is not null)
        {
            // Judged once the route is known (a cluster with HttpClient:RequestHeaderEncoding can carry the value).
            context.Features.Set(new UnsendableHeader(unsendable));
        }

        if (remove is null)
        {
            return next(context);
        }

        if (certificate && trusted)
        {
            certificates.Read(context);
        }

        foreach (var name in remove)
        {
            headers.Remove(name);
        }

        if (overrides is not null)
        {
            context.Features.Set(new MethodOverrideRequest(overrides));
        }

        return next(context);
    }

    private static bool IsAscii(StringValues values)
    {
        foreach (var value in values)
        {
            if (value is not null && !System.Text.Ascii.IsValid(value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An untrusted peer is the client; a trusted one's forwarded chain names it. True when the peer is trusted.</summary>
    private bool ResolveClient(HttpContext context)
    {
        var connection = context.Connection;
        var peer = connection.RemoteIpAddress;
        if (peer is null)
        {
            return false;
        }

        if (peer.IsIPv4MappedToIPv6)
        {
            // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; logs and upstreams want a.b.c.d.
            peer = peer.MapToIPv4();
            connection.RemoteIpAddress = peer;
        }

        var settings = trust.Current;
        if (!settings.Networks.Contains(peer))
        {
            return false;
        }

        var client = ClientResolver.Resolve(peer, context.Request.Headers, settings.Networks, settings.Source);
        context.Features.Set(client);
        connection.RemoteIpAddress = client.Client;
        if (client.StoppedEarly)
        {
            Log.ChainStoppedEarly(logger, peer.ToString(), client.Client.ToString());
        }

        return true;
    }

    private static partial class Log
    {
        // Debug: a client can cause this at will; it explains "why is the client my balancer?" without flooding logs.
        [LoggerMessage(EventIds.ForwardedChainStoppedEarly, LogLevel.Debug,
            "Forwarded chain from trusted peer {Peer} has an entry that is not an address (or more than 32 hops); client taken as {ClientIp}")]
        public static partial void ChainStoppedEarly(ILogger logger, string peer, string clientIp);
    }
}
