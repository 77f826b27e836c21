using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.RateLimiting;

/// <summary>What a request is counted as, per policy: its client, a header's value, a claim's value, or its route.</summary>
internal static class PartitionKeys
{
    /// <summary>Longer header and claim values are counted by their SHA-256, so a partition's key stays small whatever a client sends.</summary>
    private const int LongestKept = 128;

    private static readonly object NoClient = "no-client-address";

    public static object Of(HttpContext context, RateLimitPolicy policy) => policy.PartitionBy switch
    {
        PartitionSource.Route => context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.RouteId ?? "-",
        PartitionSource.Header => Text(context.Request.Headers[policy.PartitionName!]) ?? Client(context, policy.Ipv6PrefixLength),
        PartitionSource.Claim => (context.User.Identity?.IsAuthenticated == true ? Bounded(context.User.FindFirst(policy.PartitionName!)?.Value) : null) ?? Client(context, policy.Ipv6PrefixLength),
        _ => Client(context, policy.Ipv6PrefixLength),
    };

    /// <summary>
    /// The client address as the inbound-header pass resolved it (it replaces the connection's address with the
    /// client a trusted peer vouched for, and never reads a forwarded header from anyone else); IPv6 by prefix.
    /// </summary>
    public static object Client(HttpContext context, int ipv6PrefixLength)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return NoClient;
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6 || ipv6PrefixLength >= 128)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        for (var bit = ipv6PrefixLength; bit < 128; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }

    private static string? Text(StringValues values)
    {
        foreach (var value in values)
        {
            if (!string.IsNullOrEmpty(value))
            {
                return Bounded(value);
            }
        }

        return null;
    }

    private static string? Bounded(string? value) => value is null || value.Length <= LongestKept
        ? value
        : "sha256:" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)));
}
