using EdgeProxy.Configuration;
using EdgeProxy.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// Checks <c>EdgeProxy:TrustedProxies</c> and every route's <c>EdgeProxy.AllowFrom</c>, reporting every bad
/// entry by its full key, so a typo in a CIDR refuses the start or the reload instead of trusting too much
/// or too little.
/// </summary>
internal static class TrustedProxiesOptionsValidator
{
    private const string Section = TrustedProxiesOptions.SectionName;

    public static void Validate(IConfiguration config, IReadOnlyList<EndpointSpec> endpoints, ConfigReport report)
    {
        var section = config.GetSection(Section);
        var trustsAnyone = ValidateNetworks(section.GetSection("Networks"), report);
        ValidateEnum<ForwardedSource>(section.GetSection("Source"), report);
        if (section["EmitForwarded"] is { } emit && !bool.TryParse(emit, out _))
        {
            report.Fail($"{Section}:EmitForwarded", $"'{emit}' is not true or false");
        }

        ValidateProxyProtocol(section.GetSection("ProxyProtocol"), endpoints, trustsAnyone, report);
        ValidateRoutes(config.GetSection("ReverseProxy:Routes"), report);
    }

    private static bool ValidateNetworks(IConfigurationSection networks, ConfigReport report)
    {
        if (networks.Value is { Length: > 0 } scalar)
        {
            report.Fail(networks.Path, $"'{scalar}' must be a list, e.g. [\"10.0.0.0/8\", \"192.0.2.7\"]");
            return false;
        }

        var count = 0;
        foreach (var entry in networks.GetChildren())
        {
            if (entry.Value is null)
            {
                report.Fail(entry.Path, "is not a string; write \"10.0.0.0/8\" or \"192.0.2.7\"");
                continue;
            }

            if (!TrustedNetworks.TryParseNetwork(entry.Value, out var network, out var error))
            {
                report.Fail(entry.Path, $"'{entry.Value}' {error}");
                continue;
            }

            count++;
            if (network.PrefixLength == 0)
            {
                report.Warn(entry.Path, $"'{entry.Value}' trusts every peer: anyone can claim any client IP, scheme and host. List your load balancers' networks instead");
            }
        }

        if (count == 0)
        {
            report.Ok(networks.Path, "empty: nobody is trusted; forwarded headers from every peer are removed and the client is the TCP peer");
        }
        else
        {
            report.Ok(networks.Path, $"{count} trusted network(s)");
        }

        return count > 0;
    }

    private static void ValidateEnum<T>(IConfigurationSection key, ConfigReport report)
        where T : struct, Enum
    {
        if (key.Value is { } text && (!Enum.TryParse<T>(text, ignoreCase: true, out _) || int.TryParse(text, out _)))
        {
            report.Fail(key.Path, $"'{text}' is not one of {string.Join(", ", Enum.GetNames<T>())}");
        }
    }

    private static void ValidateProxyProtocol(IConfigurationSection proxyProtocol, IReadOnlyList<EndpointSpec> endpoints, bool trustsAnyone, ConfigReport report)
    {
        if (proxyProtocol.Value is { Length: > 0 } scalar)
        {
            report.Fail(proxyProtocol.Path, $"'{scalar}' must be a list of Kestrel:Endpoints names, e.g. [\"Https\"]");
            return;
        }

        foreach (var entry in proxyProtocol.GetChildren())
        {
            var name = entry.Value;
            if (string.IsNullOrWhiteSpace(name) || !endpoints.Any(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                report.Fail(entry.Path, $"'{name}' is not one of Kestrel:Endpoints ({string.Join(", ", endpoints.Select(e => e.Name))})");
            }
            else if (!trustsAnyone)
            {
                report.Fail(entry.Path, $"PROXY protocol on '{name}' is accepted only from {Section}:Networks, which is empty: every connection would be refused. List the load balancer's network");
            }
            else
            {
                report.Ok(entry.Path, $"'{name}' expects a PROXY protocol v1/v2 header from trusted peers");
                if (endpoints.First(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Protocols.HasFlag(HttpProtocols.Http3))
                {
                    report.Warn(entry.Path, $"'{name}' also serves HTTP/3: QUIC carries no PROXY header, so those clients are seen as the balancer's address");
                }
            }
        }
    }

    private static void ValidateRoutes(IConfigurationSection routes, ConfigReport report)
    {
        foreach (var route in routes.GetChildren())
        {
            var allowFrom = route.GetSection("Metadata").GetSection(ClientAllowlistMiddleware.MetadataKey);
            if (allowFrom.Value is { } list)
            {
                var errors = new List<string>();
                var parsed = TrustedNetworks.Parse(list, errors);
                foreach (var error in errors)
                {
                    report.Fail(allowFrom.Path, error);
                }

                if (errors.Count == 0 && parsed.IsEmpty)
                {
                    report.Fail(allowFrom.Path, "empty: it would refuse everyone; remove the key to allow everyone, or list networks");
                }
            }

            foreach (var transform in route.GetSection("Transforms").GetChildren())
            {
                foreach (var key in transform.GetChildren())
                {
                    if (key.Key.Equals("X-Forwarded", StringComparison.OrdinalIgnoreCase) || key.Key.Equals("Forwarded", StringComparison.OrdinalIgnoreCase))
                    {
                        report.Warn(transform.Path, $"'{key.Key}' transform ignored: EdgeProxy writes the forwarded headers itself from {Section}");
                    }
                }
            }
        }
    }
}
