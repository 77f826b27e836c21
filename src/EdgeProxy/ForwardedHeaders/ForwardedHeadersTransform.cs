using System.Net;
using System.Net.Sockets;
using Yarp.ReverseProxy.Transforms;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// Writes the forwarded headers the upstream receives, replacing whatever an earlier transform set:
/// X-Forwarded-For (the vouched-for chain ending with our peer, one line), -Proto, -Host, -Port,
/// -Prefix (when a trusted hop sent one, the request has a PathBase, or the route stripped part of the path)
/// and X-Real-IP; optionally RFC 7239 Forwarded. The incoming identity headers are already gone
/// (<see cref="RequestHeaders.InboundHeadersMiddleware"/>), so nothing the client sent survives here.
/// </summary>
internal sealed class ForwardedHeadersTransform(TrustedProxiesState state) : RequestTransform
{
    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        var http = context.HttpContext;
        var request = http.Request;
        var trusted = http.Features.Find<ForwardedClient>();
        var clientAddress = trusted?.Client ?? http.Connection.RemoteIpAddress;
        var client = clientAddress?.ToString() ?? "unknown";
        var proto = trusted?.Proto ?? request.Scheme;
        var host = trusted?.Host ?? request.Host.Value ?? string.Empty;
        var port = trusted?.Port ?? (HeaderValues.PortOf(host) is { IsEmpty: false } hostPort ? hostPort.ToString() : proto == "https" ? "443" : "80");
        var prefix = Prefix(trusted?.Prefix, request.PathBase, request.Path, context.Path);

        Set(context, IdentityHeaders.XForwardedFor, trusted?.ForwardedFor ?? client);
        Set(context, IdentityHeaders.XForwardedProto, proto);
        if (host.Length > 0)
        {
            Set(context, IdentityHeaders.XForwardedHost, host);
        }
        else
        {
            RemoveHeader(context, IdentityHeaders.XForwardedHost); // an HTTP/1.0 request without Host
        }

        Set(context, IdentityHeaders.XForwardedPort, port);
        if (prefix is not null)
        {
            Set(context, IdentityHeaders.XForwardedPrefix, prefix);
        }
        else
        {
            RemoveHeader(context, IdentityHeaders.XForwardedPrefix);
        }

        Set(context, IdentityHeaders.XRealIp, client);
        if (state.Current.EmitForwarded)
        {
            Set(context, IdentityHeaders.Forwarded, Forwarded(trusted, clientAddress, proto, host));
        }
        else
        {
            RemoveHeader(context, IdentityHeaders.Forwarded);
        }

        return default;
    }

    private static void Set(RequestTransformContext context, string name, string value)
    {
        RemoveHeader(context, name);
        AddHeader(context, name, value);
    }

    /// <summary>
    /// What the app must put in front of its own paths to build a URL the browser can use: a trusted outer
    /// prefix, our PathBase, and whatever the route's path transform cut off the front (PathRemovePrefix,
    /// a PathPattern that keeps only the tail).
    /// </summary>
    internal static string? Prefix(string? outer, PathString pathBase, PathString original, PathString forwarded)
    {
        var stripped = string.Empty;
        var originalPath = original.Value ?? string.Empty;
        var forwardedPath = forwarded.Value ?? string.Empty;
        if (forwardedPath.Length < originalPath.Length
            && (forwardedPath.Length == 0 || forwardedPath[0] == '/')
            && originalPath.EndsWith(forwardedPath, StringComparison.Ordinal))
        {
            stripped = originalPath[..^forwardedPath.Length].TrimEnd('/');
        }

        if (outer is null && !pathBase.HasValue && stripped.Length == 0)
        {
            return null;
        }

        return string.Concat(outer, pathBase.Value, stripped) is { Length: > 0 } prefix ? prefix : null;
    }

    private static string Forwarded(ForwardedClient? trusted, IPAddress? client, string proto, string host)
    {
        // The client's element carries the original proto and host; the trusted hops after it follow.
        var first = $"for={Node(client)};proto={proto}" + (host.Length > 0 ? $";host={Quote(host)}" : string.Empty);
        if (trusted is null)
        {
            return first;
        }

        var hops = trusted.ForwardedFor.Split(", ");
        var parts = new string[hops.Length];
        parts[0] = first;
        for (var i = 1; i < hops.Length; i++)
        {
            parts[i] = "for=" + Node(IPAddress.Parse(hops[i]));
        }

        return string.Join(", ", parts);
    }

    private static string Node(IPAddress? address) => address switch
    {
        null => "unknown",
        { AddressFamily: AddressFamily.InterNetworkV6 } => $"\"[{address}]\"",
        _ => address.ToString(),
    };

    private static string Quote(string host) => host.Contains(':') || host.Contains('[') ? $"\"{host}\"" : host;
}
