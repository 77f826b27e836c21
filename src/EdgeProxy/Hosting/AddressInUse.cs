using System.Net.Sockets;
using System.Text.RegularExpressions;
using EdgeProxy.Tls;
using Microsoft.AspNetCore.Connections;

namespace EdgeProxy.Hosting;

/// <summary>
/// A listener whose port another process holds: the most common start-up failure, and one with nothing to debug.
/// It is told in one FAIL line naming the key that chose the port, never with the host's stack trace.
/// </summary>
internal static partial class AddressInUse
{
    public static bool Is(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The host's "Hosting failed to start" event for it, which <see cref="Line"/> replaces.</summary>
    public static bool IsHostStartFailure(Serilog.Events.LogEvent e) =>
        e.Exception is not null && e.Level >= Serilog.Events.LogEventLevel.Error && Is(e.Exception);

    /// <summary><c>FAIL Kestrel:Endpoints:Https:Url: https://*:8443: port 8443 is in use by another process</c>.</summary>
    public static string Line(Exception exception, ListenerPlan? plan)
    {
        var url = BoundUrl().Match(exception.Message) is { Success: true } m ? m.Groups["url"].Value : null;
        var port = url is not null && Uri.TryCreate(url.Replace("*", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri) ? uri.Port : -1;
        var key = "Kestrel:Endpoints";
        var configured = url;
        if (plan?.Endpoints.FirstOrDefault(e => e.Address.Port == port) is { } endpoint)
        {
            (key, configured) = (endpoint.Key + ":Url", endpoint.Address.ToString());
        }
        else if (plan?.AdminAddresses.FirstOrDefault(a => a.Port == port) is { } admin)
        {
            (key, configured) = (Admin.AdminOptions.SectionName + ":Urls", admin.ToString());
        }

        return port > 0
            ? $"FAIL {key}: {configured}: port {port} is in use by another process (another EdgeProxy, nginx, or an earlier instance still running)"
            : $"FAIL {key}: {exception.Message}";
    }

    [GeneratedRegex(@"address (?<url>[a-zA-Z]+://\S+?):\s")]
    private static partial Regex BoundUrl();
}
