using System.Net;
using System.Net.Sockets;
using EdgeProxy.Configuration;

namespace EdgeProxy.Tls;

/// <summary>
/// A reload that moves a listener to an address it cannot bind (a port another process holds, an address this host
/// does not have, a port below 1024 without the right to it) is refused, as nginx refuses such a reload: Kestrel
/// would stop the old listener first and then fail to bind the new one, leaving nothing on either port while
/// /readyz still said ready. Each new address is bound once here, with the options Kestrel binds with, and released.
/// Ports EdgeProxy holds now are not tried: Kestrel frees them before it binds again. What another process takes
/// between this check and Kestrel's bind is not caught here.
/// </summary>
internal static class ListenerPorts
{
    public static void CheckReload(ListenerBinder binder, IReadOnlyList<EndpointSpec> endpoints, IReadOnlyList<BindingAddress> admin, ConfigReport report)
    {
        var current = binder.Plan;
        var ours = current.Endpoints.Select(e => e.Address.Port).Concat(current.AdminAddresses.Select(a => a.Port))
            .Concat(binder.Listeners.Select(l => l.BoundPort)).ToHashSet();
        foreach (var endpoint in endpoints)
        {
            Check(endpoint.Key + ":Url", endpoint.Address, ours, report);
        }

        if (binder.HasAdminServer) // without one, admin addresses are bound at the next start, which checks them itself
        {
            foreach (var address in admin)
            {
                Check(Admin.AdminOptions.SectionName + ":Urls", address, ours, report);
            }
        }
    }

    private static void Check(string key, BindingAddress address, HashSet<int> ours, ConfigReport report)
    {
        if (address.Port > 0 && !ours.Contains(address.Port) && Problem(address) is { } problem) // port 0: the system picks a free one
        {
            report.Fail(key, $"{address}: {problem}; the listener was left where it is");
        }
    }

    /// <summary>Why the address cannot be bound now, or null when it can.</summary>
    public static string? Problem(BindingAddress address)
    {
        var (endpoints, required) = EndPoints(address);
        var bound = 0;
        foreach (var endpoint in endpoints)
        {
            var error = TryBind(endpoint);
            if (error == SocketError.AddressAlreadyInUse)
            {
                return $"port {address.Port} is in use by another process (another EdgeProxy, nginx, or an earlier instance still running)"; // as at start (AddressInUse)
            }

            if (error == SocketError.Success)
            {
                bound++;
            }
            else if (required)
            {
                return $"{endpoint} cannot be bound ({new SocketException((int)error).Message})";
            }
        }

        return bound == 0 ? $"no address of '{address.Host}' can be bound on this host" : null;
    }

    /// <summary>What Kestrel binds for the address, and whether each one must bind (localhost and * need only one).</summary>
    private static (IPEndPoint[] EndPoints, bool Required) EndPoints(BindingAddress address) => address.Host switch
    {
        "*" or "+" => ([new(IPAddress.IPv6Any, address.Port), new(IPAddress.Any, address.Port)], false), // [::] dual-stack, else 0.0.0.0
        _ when address.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) => ([new(IPAddress.Loopback, address.Port), new(IPAddress.IPv6Loopback, address.Port)], false),
        _ => ([new(IPAddress.Parse(address.Host.Trim('[', ']')), address.Port)], true),
    };

    private static SocketError TryBind(IPEndPoint endpoint)
    {
        try
        {
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(endpoint); // .NET sets SO_REUSEADDR as for Kestrel's own bind: a port in TIME_WAIT is free, a listening one is not
            return SocketError.Success;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode;
        }
    }
}
