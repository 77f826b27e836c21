using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ForwardedHeaders;

internal static class ForwardedCaseExtensions
{
    public static Dictionary<string, string?> With(this Dictionary<string, string?> expect, string name, string? value)
    {
        expect[name] = value;
        return expect;
    }

    /// <summary>
    /// Sends a table row from its real source address (IPv6 rows to the ::1 listener) with its headers, and
    /// returns what the echo upstream received and the port the row went to.
    /// </summary>
    public static async Task<(HeaderEchoUpstream.Echo Echo, int Port, bool V6)> SendAsync(this ForwardedCase row, ProxyInstance proxy, int ipv6Port, ITestOutputHelper output)
    {
        var source = IPAddress.Parse(row.From);
        var v6 = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var port = v6 ? ipv6Port : proxy.HttpsPort;
        using var client = SourceBoundClient.Create(source, v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, port, host: v6 ? "[::1]" : "localhost");
        using var request = new HttpRequestMessage(HttpMethod.Get, row.Path);
        foreach (var line in row.Send)
        {
            var colon = line.IndexOf(':');
            request.Headers.TryAddWithoutValidation(line[..colon], line[(colon + 1)..].Trim()).Should().BeTrue(line);
        }

        using var response = await client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(15));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var echo = await HeaderEchoUpstream.ReadAsync(response);
        output.WriteLine(string.Join('\n', echo.Headers.Select(h => $"{h.Key}: {string.Join(" | ", h.Value)}")));
        return (echo, port, v6);
    }
}
