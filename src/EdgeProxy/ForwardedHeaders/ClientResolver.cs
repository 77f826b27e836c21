using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Primitives;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// The trust walk for a request whose TCP peer is trusted: from the right (the hop nearest us), skip
/// trusted addresses; the first untrusted address is the client. An entry that is not a bare address ends
/// the walk and the last good address is the client, so garbage is never trusted and never crashes us.
/// Scheme, host, port and prefix are read at the same hop as the client (the value its first trusted proxy
/// wrote), so only values written by an all-trusted path are used.
/// </summary>
internal static class ClientResolver
{
    /// <summary>Enough for any real chain; a longer one is treated as ending here.</summary>
    public const int MaxHops = 32;

    public static ForwardedClient Resolve(IPAddress peer, IHeaderDictionary headers, TrustedNetworks trusted, ForwardedSource source) =>
        source == ForwardedSource.Forwarded
            ? FromForwarded(peer, headers[IdentityHeaders.Forwarded], trusted)
            : FromXForwardedFor(peer, headers, trusted);

    private static ForwardedClient FromXForwardedFor(IPAddress peer, IHeaderDictionary headers, TrustedNetworks trusted)
    {
        var buffer = default(HopBuffer);
        Span<IPAddress?> hops = buffer;
        var count = 0;
        var stoppedEarly = false;
        foreach (var entry in new EntriesFromRight(headers[IdentityHeaders.XForwardedFor]))
        {
            if (count == MaxHops || HeaderValues.ParseAddress(entry) is not { } address)
            {
                stoppedEarly = true;
                break;
            }

            hops[count++] = address;
            if (!trusted.Contains(address))
            {
                break;
            }
        }

        // The value describing the client's own request is the one its first trusted proxy wrote:
        // as many places from the right as trusted hops were walked past.
        var at = Math.Max(0, count - 1);
        var proto = HeaderValues.ParseProto(HeaderValues.EntryFromRight(headers[IdentityHeaders.XForwardedProto], at));
        var host = Checked(HeaderValues.EntryFromRight(headers[IdentityHeaders.XForwardedHost], at), HeaderValues.IsHost);
        var port = Checked(HeaderValues.EntryFromRight(headers[IdentityHeaders.XForwardedPort], at), HeaderValues.IsPort);
        var prefix = Checked(HeaderValues.EntryFromRight(headers[IdentityHeaders.XForwardedPrefix], at), HeaderValues.IsPrefix);
        return new ForwardedClient(count > 0 ? hops[count - 1]! : peer, Chain(hops[..count], peer), proto, host, port, prefix?.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : null, stoppedEarly);
    }

    private static ForwardedClient FromForwarded(IPAddress peer, StringValues forwarded, TrustedNetworks trusted)
    {
        var buffer = default(HopBuffer);
        Span<IPAddress?> hops = buffer;
        var count = 0;
        string? proto = null;
        string? host = null;
        var first = true;
        var stoppedEarly = false;
        foreach (var element in ForwardedElements.FromRight(forwarded))
        {
            if (count == MaxHops || !ForwardedElements.TryParseElement(element, out var forValue, out var protoValue, out var hostValue))
            {
                stoppedEarly = true;
                break;
            }

            var address = ForwardedElements.ParseNode(forValue);
            if (address is not null || first)
            {
                // Each element describes the request its writer received: keep the client's element (or, when
                // even the nearest names no address, what our trusted peer said about its own client).
                proto = HeaderValues.ParseProto(protoValue);
                host = Checked(hostValue, HeaderValues.IsHost);
                first = false;
            }

            if (address is null)
            {
                stoppedEarly = true;
                break;
            }

            hops[count++] = address;
            if (!trusted.Contains(address))
            {
                break;
            }
        }

        var port = host is null ? null : HeaderValues.PortOf(host) is { IsEmpty: false } p ? p.ToString() : null;
        return new ForwardedClient(count > 0 ? hops[count - 1]! : peer, Chain(hops[..count], peer), proto, host, port, null, stoppedEarly);
    }

    private static string? Checked(ReadOnlySpan<char> value, IsValid isValid) => !value.IsEmpty && isValid(value) ? value.ToString() : null;

    private delegate bool IsValid(ReadOnlySpan<char> value);

    /// <summary>Client first, our peer last, canonical text, one line: what apps that take the leftmost entry need too.</summary>
    private static string Chain(ReadOnlySpan<IPAddress?> hopsFromRight, IPAddress peer)
    {
        if (hopsFromRight.IsEmpty)
        {
            return peer.ToString();
        }

        var parts = new string[hopsFromRight.Length + 1];
        for (var i = 0; i < hopsFromRight.Length; i++)
        {
            parts[hopsFromRight.Length - 1 - i] = hopsFromRight[i]!.ToString();
        }

        parts[^1] = peer.ToString();
        return string.Join(", ", parts);
    }

    /// <summary>The walked addresses live on the stack: nothing is allocated for the walk itself.</summary>
    [InlineArray(MaxHops)]
    private struct HopBuffer
    {
        private IPAddress? _element;
    }
}
