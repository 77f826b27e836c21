using EdgeProxy.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// <c>EdgeProxy:TrustedProxies</c>, every bad entry by its full key, so a typo in a CIDR refuses the start or the reload
/// instead of trusting too much or too little.
/// </summary>
internal sealed class TrustedProxiesOptionsValidator(ConfigContext context) : OptionsValidator<TrustedProxiesOptions>
{
    private const string Section = TrustedProxiesOptions.SectionName;

    public override void Check(TrustedProxiesOptions options, ConfigReport report)
    {
        var trustsAnyone = CheckNetworks(options.Networks ?? [], report);
        CheckProxyProtocol(options.ProxyProtocol ?? [], trustsAnyone, report);
    }

    private static bool CheckNetworks(string[] networks, ConfigReport report)
    {
        var count = 0;
        for (var i = 0; i < networks.Length; i++)
        {
            var key = $"{Section}:Networks:{i}";
            if (networks[i] is not { } entry)
            {
                report.Fail(key, "is not a string; write \"10.0.0.0/8\" or \"192.0.2.7\"");
                continue;
            }

            if (!TrustedNetworks.TryParseNetwork(entry, out var network, out var error))
            {
                report.Fail(key, $"'{entry}' {error}");
                continue;
            }

            count++;
            if (network.PrefixLength == 0)
            {
                report.Warn(key, $"'{entry}' trusts every peer: anyone can claim any client IP, scheme and host. List your load balancers' networks instead");
            }
        }

        report.Ok(Section + ":Networks", count == 0
            ? "empty: nobody is trusted; forwarded headers from every peer are removed and the client is the TCP peer"
            : $"{count} trusted network(s)");
        return count > 0;
    }

    private void CheckProxyProtocol(string[] names, bool trustsAnyone, ConfigReport report)
    {
        var endpoints = context.Endpoints();
        for (var i = 0; i < names.Length; i++)
        {
            var key = $"{Section}:ProxyProtocol:{i}";
            var name = names[i];
            var endpoint = endpoints.FirstOrDefault(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (string.IsNullOrWhiteSpace(name) || endpoint is null)
            {
                report.Fail(key, $"'{name}' is not one of Kestrel:Endpoints ({string.Join(", ", endpoints.Select(e => e.Name))})");
            }
            else if (!trustsAnyone)
            {
                report.Fail(key, $"PROXY protocol on '{name}' is accepted only from {Section}:Networks, which is empty: every connection would be refused. List the load balancer's network");
            }
            else
            {
                report.Ok(key, $"'{name}' expects a PROXY protocol v1/v2 header from trusted peers");
                if (endpoint.Protocols.HasFlag(HttpProtocols.Http3))
                {
                    report.Warn(key, $"'{name}' also serves HTTP/3: QUIC carries no PROXY header, so those clients are seen as the balancer's address");
                }
            }
        }
    }
}
